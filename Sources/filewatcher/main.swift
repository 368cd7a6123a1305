print("filewatcher")
