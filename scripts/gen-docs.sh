#!/bin/sh
# Regenerates the man pages (doc/man/) and shell completions (share/completions/) from the
# ArgumentParser command definitions. Run from anywhere; needs only the resolved package deps.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Man pages: swift-argument-parser's generate-manual plugin, one page per (sub)command.
# A fixed date keeps the output reproducible; bump it when the options change.
date=${FILEWATCHER_MAN_DATE:-2026-11-25}
rm -rf doc/man
mkdir -p doc/man
swift package --allow-writing-to-package-directory generate-manual \
    --multi-page --date "$date" --authors "the filewatcher authors" --output-directory doc/man

# Completions: the tool's own --generate-completion-script.
swift build -c release --product filewatcher >/dev/null
bin=$(swift build -c release --show-bin-path)/filewatcher
mkdir -p share/completions
"$bin" --generate-completion-script bash > share/completions/filewatcher.bash
"$bin" --generate-completion-script zsh > share/completions/_filewatcher
"$bin" --generate-completion-script fish > share/completions/filewatcher.fish
echo "generated: doc/man/*.1 share/completions/{filewatcher.bash,_filewatcher,filewatcher.fish}"
