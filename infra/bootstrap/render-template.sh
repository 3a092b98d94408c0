#!/bin/bash
# Renders a template of ours: every @@NAME@@ marker is replaced by the value of NAME given as NAME=value
# arguments. Fails, naming it, on a marker left without a value or a value with a newline, so a typo never
# reaches nginx or Prosody as a literal marker. Used at boot by the bootstrap and, unchanged, by the tests.
#   render-template.sh TEMPLATE NAME=value... > rendered
set -euo pipefail
# bash 5.2 would read '&' in a replacement as "the matched text"; values are literal here.
shopt -u patsub_replacement 2>/dev/null || true

template=$1
shift
text=$(<"$template")
for pair in "$@"; do
  name=${pair%%=*}
  value=${pair#*=}
  if [[ ! "$name" =~ ^[A-Z][A-Z0-9_]*$ ]]; then
    echo "render-template: bad marker name '${name}'" >&2
    exit 2
  fi
  if [[ "$value" == *$'\n'* ]]; then
    echo "render-template: value of ${name} has a newline" >&2
    exit 2
  fi
  text=${text//"@@${name}@@"/"$value"}
done
if [[ "$text" =~ @@([A-Z][A-Z0-9_]*)@@ ]]; then
  echo "render-template: ${template} needs a value for ${BASH_REMATCH[1]}" >&2
  exit 2
fi
printf '%s\n' "$text"
