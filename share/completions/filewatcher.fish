function __filewatcher_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __filewatcher_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __filewatcher_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __filewatcher_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __filewatcher_parse_tokens -S
    set -l unparsed_tokens (__filewatcher_tokens -pc)
    switch $unparsed_tokens[1]
    case 'filewatcher'
        __filewatcher_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'watch'
            __filewatcher_parse_subcommand 0 'f/file=+' 'p/process=+' 'a/all' 'under=+' 'pid=+' 'user=+' 'event=+' 'failed' 'succeeded' 'exclude-process=+' 'exclude-path=+' 'bsm-event=+' 'class=+' 'since=' 'until=' 'format=' 'o/output=' 'append' 'flush=' 'color=' 'time-format=' 'resolve-users' 'no-summary' 'd/debug=' 'read=+' 'input=' 'follow' 'source=' 'auditpipe=' 'seconds=' 'count=' 'queue=' 'fanotify-layout=' 'batch-delay=' 'read-buffer=' 'eslogger-path=' 'rules=' 'ransomware' 'no-ransomware' 'ransomware-threshold=' 'ransomware-window=' 'stop-offenders' 'on-alert=' 'report=' 'audit-daemon' 'audit-rules=' 'ship=+' 'ship-format=' 'ship-max-message=' 'spool=' 'spool-max=' 'ship-drain=' 'tls-ca=' 'tls-cert=' 'tls-key=' 'version' 'h/help'
        case 'print'
            __filewatcher_parse_subcommand -r 1 'l' 'n' 'p' 'r' 's' 'x' 'd=' 'version' 'h/help'
        case 'report'
            __filewatcher_parse_subcommand -r 1 'f/file=+' 'p/process=+' 'a/all' 'under=+' 'pid=+' 'user=+' 'event=+' 'failed' 'succeeded' 'exclude-process=+' 'exclude-path=+' 'o/output=' 'input=' 'title=' 'version' 'h/help'
        case 'help'
            __filewatcher_parse_subcommand -r 1 'version'
        end
    end
end

function __filewatcher_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __filewatcher_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __filewatcher_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __filewatcher_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__filewatcher_tokens -p)
    if test -z "$(__filewatcher_tokens -t)"
        set -l index (count (__filewatcher_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'filewatcher' -f
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher" version' -l 'version' -d 'Show the version.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_positional "filewatcher" -eq 1' -fa 'watch' -d 'Watch file events live or replay a trail (default command).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_positional "filewatcher" -eq 1' -fa 'print' -d 'Print BSM audit trails exactly as OpenBSM praudit does (only faster).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_positional "filewatcher" -eq 1' -fa 'report' -d 'Draw a capture as one self-contained HTML page (timeline, programs, process tree, files, denied accesses, alerts).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_positional "filewatcher" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -s 'f' -l 'file' -d 'Show only events whose path or destination path contains TEXT (case-insensitive; repeatable: any).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -s 'p' -l 'process' -d 'Show only events from processes whose name or executable path contains TEXT (case-insensitive; repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" a all' -s 'a' -l 'all' -d 'Show all event kinds, including stat, exit and other.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'under' -d 'Show only events on paths inside the directory DIR (path-component aware; repeatable). Live: DIR is made absolute and its symbolic links resolved, and only the filesystems holding these directories are watched.' -rfa '(__filewatcher_complete_directories)'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'pid' -d 'Show only events from process id N (repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'user' -d 'Show only events from user NAME or numeric UID (real or effective; repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'event' -d 'Show only these event kinds (comma separated; repeatable): open, read, write, close, create, delete, rename, link, attrib, stat, exec, exit, other, or all.' -rfka 'open read write close create delete rename link attrib stat exec exit other all'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" failed' -l 'failed' -d 'Show only failed operations.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" succeeded' -l 'succeeded' -d 'Show only successful operations.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'exclude-process' -d 'Hide events from processes whose name or executable path contains TEXT (repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'exclude-path' -d 'Hide events whose every path contains TEXT (repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'bsm-event' -d 'Select only records (events) of these BSM events: names from audit_event (AUE_UNLINK) or numbers, comma separated, repeatable (as auditreduce -m). Without --event, every kind is then shown.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'class' -d 'Select only records of these audit classes from audit_class (fr,fw,ex; +fr: successful only, -fr: failed only, ^fr: remove), comma separated, repeatable (as auditreduce -c).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" since' -l 'since' -d 'Select records at or after TIME: RFC 3339 (2021-10-14T09:10:59Z) or YYYYMMDD[HH[MM[SS]]] in local time (as auditreduce -a).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" until' -l 'until' -d 'Select records at or before TIME (a time given to the second includes that whole second, as auditreduce -b); same forms as --since.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" format' -l 'format' -d 'Output format: text (one line per event), json (JSON Lines), bsm (an OpenBSM trail), ecs (Elastic Common Schema 8.x) or ocsf (OCSF 1.5 JSON Lines).' -rfka 'text json bsm ecs ocsf'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" o output' -s 'o' -l 'output' -d 'Write events to FILE instead of standard output (truncated unless --append; a new file has mode 0600; an existing one must belong to root or us, be a regular file not writable by others; symlinks refused; SIGHUP reopens it; - is standard output).' -rF
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" append' -l 'append' -d 'With -o: append to FILE instead of truncating it (a service\'s log across restarts).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" flush' -l 'flush' -d 'When events are written: auto (at once to a terminal, in batches otherwise) or always (every event at once, for | grep and tail -f).' -rfka 'auto always'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" color' -l 'color' -d 'Colour text output: auto (a terminal and NO_COLOR unset), always or never.' -rfka 'auto always never'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" time-format' -l 'time-format' -d 'Text output\'s time: local (the local clock, with the date when the event is not from today), iso (RFC 3339 in UTC with microseconds) or epoch (seconds since 1970 with microseconds).' -rfka 'local iso epoch'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" resolve-users' -l 'resolve-users' -d 'With --read: show this machine\'s user names for the recording\'s uids. Without it they are shown as numbers, since a recording may come from another machine (live events always show names).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" no-summary' -l 'no-summary' -d 'Do not print the summary to standard error at the end.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" d debug' -s 'd' -l 'debug' -d 'Write a debug log to FILE (appended, mode 0600, symlinks refused), or to standard error when FILE is omitted.' -rF
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'read' -d 'Replay recorded input instead of watching live: files or directories (a directory: its files in name order), read one after the other; - is standard input.' -rF
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" input' -l 'input' -d 'Format of the --read input: auto (recognized from its first bytes) or bsm, linux-audit, eslogger, json.' -rfka 'auto bsm linux-audit eslogger json'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" follow' -l 'follow' -d 'With --read FILE: keep reading as the BSM trail or auditd log grows and follow its rotation (e.g. --read /var/audit/current --follow, or --read /var/log/audit/audit.log --follow).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" source' -l 'source' -d 'Live source: auto (fanotify on Linux, eslogger on macOS 14 and later, /dev/auditpipe on older macOS and FreeBSD), fanotify, auditpipe, eslogger or audit (Linux kernel audit: denied accesses, exec arguments); several, comma separated, run side by side (fanotify,audit).' -rfka 'auto fanotify auditpipe eslogger audit'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" auditpipe' -l 'auditpipe' -d 'Read live audit records from PATH instead of /dev/auditpipe (macOS/FreeBSD). A FIFO or a file is read as records come, without the auditpipe ioctls.' -rF
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" seconds' -l 'seconds' -d 'Stop after N seconds.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" count' -l 'count' -d 'Stop after N shown events.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" queue' -l 'queue' -d 'Live queue: unlimited (default, the kernel never drops events) or bounded (the kernel\'s fs.fanotify.max_queued_events; overflows are reported).' -rfka 'unlimited bounded'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" fanotify-layout' -l 'fanotify-layout' -d 'Linux fanotify layout: fid (the default and only one: one kernel queue reporting every event with its directory handle and name as they were then, so every path is the one the file had when it happened).' -rfka 'fid'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" batch-delay' -l 'batch-delay' -d 'Live source: after a busy wake-up wait MS milliseconds before reading the kernel queue again (default 5: larger batches, far less CPU; the kernel merges a process\'s repeated events on one file meanwhile; 0 = read at once).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" read-buffer' -l 'read-buffer' -d 'Live source: bytes per read of the kernel queue (default 262144).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" eslogger-path' -l 'eslogger-path' -d 'With --source eslogger: run PATH instead of /usr/bin/eslogger (a program that answers --list-events and prints eslogger\'s JSON Lines; also on Linux, e.g. to replay a capture live).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" rules' -l 'rules' -d 'Raise alerts from the watch rules in the YAML file FILE (see README, Detection). Checked before anything starts.' -rF
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" ransomware' -l 'ransomware' -d 'Flag processes that encrypt, rename to new extensions or delete-after-read many files quickly (on by default with --rules).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" no-ransomware' -l 'no-ransomware' -d 'Flag processes that encrypt, rename to new extensions or delete-after-read many files quickly (on by default with --rules).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" ransomware-threshold' -l 'ransomware-threshold' -d 'Ransomware alert after N victims (files read then overwritten encrypted, replaced or deleted) by one process, or by a script with the programs it runs, within the window (default 5).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" ransomware-window' -l 'ransomware-window' -d 'Ransomware sliding window in seconds (default 30).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" stop-offenders' -l 'stop-offenders' -d 'Send SIGSTOP to the process behind a ransomware alert (or an alert of a rule with `stop: true`) — exactly that process, pinned by pid and start time at its first event; for a script, the script and its children — and print how to resume (kill -CONT) or end (kill -KILL) them; the summary lists them.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" on-alert' -l 'on-alert' -d 'Run CMD for every alert with the alert as one JSON object on its standard input. CMD is split into words like a shell would (quotes and backslashes) but never run by a shell: no variables, globs or pipes; its program must exist and be executable. At most 4 run at a time (64 more wait); filewatcher never waits for them, except up to 10 s at exit, after which those still running are ended and the summary says so.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" report' -l 'report' -d 'When the run stops, write an HTML report of the events shown to FILE (one self-contained page: timeline, programs, process tree, files, denied accesses, alerts; mode 0600, symlinks refused).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" audit-daemon' -l 'audit-daemon' -d 'With --source audit: register as the kernel\'s audit daemon (only when no auditd runs; the kernel answers EEXIST otherwise) instead of reading its multicast log beside auditd or journald.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" audit-rules' -l 'audit-rules' -d 'With --source audit: add filewatcher\'s own kernel audit rules while it runs (tagged key=filewatcher, removed at exit; no other rule is touched). failures: every open, creat, truncate, unlink, rename, chmod, chown and execve that fails with EACCES or EPERM.' -rfka 'failures'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch"' -l 'ship' -d 'Send every event to the collector at URL: relp://HOST:PORT or relp+tls:// (RELP: acknowledged, resent after a reconnect, nothing lost), syslog+tcp:// or syslog+tls:// (RFC 6587/5425 octet counting: best effort, no acknowledgements). Repeatable: every URL gets every event.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" ship-format' -l 'ship-format' -d 'The record in each message: ecs (Elastic Common Schema 8.x), ocsf (OCSF 1.5) or json (filewatcher\'s own, with id and sequence).' -rfka 'ecs ocsf json'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" ship-max-message' -l 'ship-max-message' -d 'The largest message sent, in bytes (default 8192); longer events are truncated (arguments first, marked …[truncated]), never dropped.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" spool' -l 'spool' -d 'The spool: events wait on disk in DIR until every collector acknowledged them (default /var/lib/filewatcher/spool).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" spool-max' -l 'spool-max' -d 'The spool\'s size limit (default 1G; K, M, G suffixes). When full, the oldest unsent events are dropped and the collectors get one loss record.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" ship-drain' -l 'ship-drain' -d 'At the end (end of a replay, SIGINT/SIGTERM), keep sending up to SECONDS for every collector to acknowledge everything (default 30); what is left stays in the spool for the next start.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" tls-ca' -l 'tls-ca' -d 'Trust the collector\'s certificate only when signed by the CA certificate(s) in FILE (PEM).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" tls-cert' -l 'tls-cert' -d 'Present the client certificate in FILE (PEM) to TLS collectors; needs --tls-key.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" tls-key' -l 'tls-key' -d 'The private key (PEM) of --tls-cert.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" version' -l 'version' -d 'Show the version.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher watch" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" l' -s 'l' -d 'Print one line per record (tokens joined by the delimiter).'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" n' -s 'n' -d 'Do not convert user and group ids to names.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" p' -s 'p' -d 'Input may start in the middle of a record (e.g. from \'tail -f\'): skip to the first record silently.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" r' -s 'r' -d 'Print numbers: token ids, event numbers, user/group ids, raw times and error numbers.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" s' -s 's' -d 'Print short event names (AUE_OPEN_R) instead of descriptions.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" x' -s 'x' -d 'Print XML.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" d' -s 'd' -d 'Field delimiter.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_positional "filewatcher print" -ge 1' -F
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" version' -l 'version' -d 'Show the version.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher print" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -s 'f' -l 'file' -d 'Show only events whose path or destination path contains TEXT (case-insensitive; repeatable: any).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -s 'p' -l 'process' -d 'Show only events from processes whose name or executable path contains TEXT (case-insensitive; repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" a all' -s 'a' -l 'all' -d 'Show all event kinds, including stat, exit and other.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -l 'under' -d 'Show only events on paths inside the directory DIR (path-component aware; repeatable). Live: DIR is made absolute and its symbolic links resolved, and only the filesystems holding these directories are watched.' -rfa '(__filewatcher_complete_directories)'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -l 'pid' -d 'Show only events from process id N (repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -l 'user' -d 'Show only events from user NAME or numeric UID (real or effective; repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -l 'event' -d 'Show only these event kinds (comma separated; repeatable): open, read, write, close, create, delete, rename, link, attrib, stat, exec, exit, other, or all.' -rfka 'open read write close create delete rename link attrib stat exec exit other all'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" failed' -l 'failed' -d 'Show only failed operations.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" succeeded' -l 'succeeded' -d 'Show only successful operations.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -l 'exclude-process' -d 'Hide events from processes whose name or executable path contains TEXT (repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report"' -l 'exclude-path' -d 'Hide events whose every path contains TEXT (repeatable).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" o output' -s 'o' -l 'output' -d 'Write the page to FILE (mode 0600, symlinks refused; - is standard output).' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" input' -l 'input' -d 'Format of the input: auto (recognized from its first bytes) or bsm, linux-audit, eslogger, json.' -rfka 'auto bsm linux-audit eslogger json'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" title' -l 'title' -d 'The page\'s title.' -rfka ''
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" version' -l 'version' -d 'Show the version.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'filewatcher' -n '__filewatcher_should_offer_completions_for_flags_or_options "filewatcher help" version' -l 'version' -d 'Show the version.'
