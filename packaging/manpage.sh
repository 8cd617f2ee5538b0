#!/bin/sh
# Writes bridgepath(1) in troff to stdout from the command's own usage text (`BINARY help`), so
# the manual page never says something the program does not.
# usage: manpage.sh BINARY VERSION
set -eu
bin=$1
version=$2
cat <<HEAD
.TH BRIDGEPATH 1 "" "bridgepath $version" "User Commands"
.SH NAME
bridgepath \- a verification harness for PCI Live Update bridge-path preservation
.SH SYNOPSIS
.B bridgepath
.I COMMAND
.RI [ FLAGS ]
.br
.B bridgepath
.IR COMMAND " \-\-help"
.br
.B bridgepath \-\-version
.SH DESCRIPTION
bridgepath checks the Linux kernel's PCI Live Update preservation of upstream bridges: a
kernel-faithful implementation and a reference model run side by side on real machines' PCI
trees under injected faults (property tests, Z3 proofs, exhaustive search), and
.B kernel\-check
drives a kernel tree's own drivers/pci/liveupdate.c against the model.
.SH COMMANDS
.nf
HEAD
"$bin" help | sed -e '1d' -e 's/\\/\\\\/g' -e 's/^\./\\\&./' -e 's/-/\\-/g'
cat <<'TAIL'
.fi
.SH EXIT STATUS
.TP
.B 0
every selected invariant holds, a replay met its expectations, proved
.TP
.B 1
an invariant fails, a counterexample, a model mismatch, a disagreement with the kernel code
.TP
.B 2
bad input: one line on standard error naming the file:line:column or the flag
.TP
.B 3
unknown (a solver timeout is never a pass)
.SH SEE ALSO
The manual in docs/ of the source tree (commands.md, checking.md, kernel\-check.md).
TAIL
