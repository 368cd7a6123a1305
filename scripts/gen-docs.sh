#!/bin/sh
# Regenerates the man pages (doc/man/) and shell completions (share/completions/) from the
# ArgumentParser command definitions. Run from anywhere; needs only the resolved package deps.
#   scripts/gen-docs.sh          regenerate in place
#   scripts/gen-docs.sh --check  regenerate into a temporary directory and fail if the committed
#                                files differ (for CI)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=false
[ "${1:-}" = "--check" ] && check=true

if $check; then
    out=$(mktemp -d "$root/.build/gen-docs-check.XXXXXX")
    trap 'rm -rf "$out"' EXIT
else
    out=$root
fi

# Man pages: swift-argument-parser's generate-manual plugin, one page per (sub)command.
# A fixed date keeps the output reproducible; bump it when the options change.
date=${FILEWATCHER_MAN_DATE:-2026-11-25}
rm -rf "$out/doc/man"
mkdir -p "$out/doc/man"
swift package --allow-writing-to-package-directory generate-manual \
    --multi-page --date "$date" --authors "the filewatcher authors" --output-directory "$out/doc/man" >/dev/null

# Completions: the tool's own --generate-completion-script.
swift build -c release --product filewatcher >/dev/null
bin=$(swift build -c release --show-bin-path)/filewatcher
mkdir -p "$out/share/completions"
"$bin" --generate-completion-script bash > "$out/share/completions/filewatcher.bash"
"$bin" --generate-completion-script zsh > "$out/share/completions/_filewatcher"
"$bin" --generate-completion-script fish > "$out/share/completions/filewatcher.fish"

if $check; then
    diff -r "$root/doc/man" "$out/doc/man" && diff -r "$root/share/completions" "$out/share/completions" \
        || { echo "man pages or completions are stale: run scripts/gen-docs.sh" >&2; exit 1; }
    echo "man pages and completions are current"
else
    echo "generated: doc/man/*.1 share/completions/{filewatcher.bash,_filewatcher,filewatcher.fish}"
fi
