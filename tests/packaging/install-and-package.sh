#!/usr/bin/env bash
# `cmake --install` puts the command, its manual page and bash completion in a prefix, and each
# works from there; `cpack -G DEB` builds a package whose bridgepath runs.
# usage: install-and-package.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(grep -m1 'project(bridgepath VERSION' "$(dirname "$0")/../../CMakeLists.txt" |
          sed 's/.*VERSION \([0-9.]*\).*/\1/')

cmake --install "$build" --prefix "$work/prefix" >/dev/null
got=$("$work/prefix/bin/bridgepath" --version)
[ "$got" = "bridgepath $version" ] || { echo "installed --version says '$got'"; exit 1; }
man -l "$work/prefix/share/man/man1/bridgepath.1" 2>/dev/null | grep -q 'kernel-check --source' ||
    { echo "the manual page lacks kernel-check's usage"; exit 1; }
completion="$work/prefix/share/bash-completion/completions/bridgepath"
words=$(PATH="$work/prefix/bin:$PATH" bash -c "source '$completion'
    COMP_WORDS=(bridgepath kernel-ch); COMP_CWORD=1; _bridgepath; echo \"\${COMPREPLY[*]}\"
    COMP_WORDS=(bridgepath check --se); COMP_CWORD=2; _bridgepath; echo \"\${COMPREPLY[*]}\"")
[ "$words" = $'kernel-check\n--seed' ] || { echo "completion gave: $words"; exit 1; }

(cd "$work" && cpack -G DEB --config "$(realpath "$build")/CPackConfig.cmake" >/dev/null 2>&1)
deb=$(ls "$work"/bridgepath_*.deb)
[ "$(dpkg-deb -f "$deb" Package)" = bridgepath ] && [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] ||
    { echo "package fields: $(dpkg-deb -f "$deb" Package Version)"; exit 1; }
dpkg-deb -x "$deb" "$work/root"
got=$("$work/root/usr/bin/bridgepath" --version)
[ "$got" = "bridgepath $version" ] || { echo "packaged --version says '$got'"; exit 1; }
echo "installed and packaged: $(basename "$deb")"
