#!/bin/bash
# A scriptable print engine for ippeveprinter's -c option (used by test/helpers/ipp-lab.ts).
#
# ippeveprinter runs it once per job with the spooled document as $1, its stdout redirected to
# <spool>/<job-id>-<job-name>.prn, and an environment made of ippeveprinter's own environment,
# CONTENT_TYPE, IPP_<NAME>_DEFAULT for each printer default and IPP_<NAME> for each job attribute
# (IPP_JOB_ID=3, IPP_FINISHINGS=fold-z, IPP_MEDIA=iso_a4_210x297mm, ...). Lines on stderr drive the
# printer: "STATE: +reason" / "STATE: -reason" add or remove a printer-state-reasons keyword,
# "ATTR: job-impressions-completed=N" updates the job, "ERROR: text" becomes job-state-message,
# and a non-zero exit aborts the job (job-state aborted, reason aborted-by-system).
#
# What each job does comes from files in $CXP_IPP_LAB_DIR/control (the lab writes them; without
# that variable, from the document's directory):
#   delay-ms     every job: milliseconds per impression (default 200)
#   jam-next     the next job only: after its first impression, media-jam is raised for as many
#                milliseconds as the file says (default 1500), then cleared, and the job goes on
#   abort-next   the next job only: after its first impression it fails with the file's text as
#                the error (default "simulated engine failure") and exits with status 1
# A job takes a "-next" file by renaming it, so two jobs can never both take the same one.
#
# Each job leaves $CXP_IPP_LAB_DIR/jobs/<job-id>.env, written before it prints: sorted NAME=value
# lines with the job attributes as ippeveprinter passed them (IPP_*, without the printer's
# IPP_*_DEFAULT), CONTENT_TYPE and DOCUMENT_BYTES (the size of the document received).
set -u

doc=${1:?usage: fake-engine.sh DOCUMENT}
lab=${CXP_IPP_LAB_DIR:-$(dirname "$doc")}
control="$lab/control"
jobs="$lab/jobs"
id=${IPP_JOB_ID:-0}
mkdir -p "$jobs"

{
  env | grep -E '^(IPP_|CONTENT_TYPE=)' | grep -vE '^IPP_[A-Z0-9_]+_DEFAULT='
  echo "DOCUMENT_BYTES=$(stat -c %s "$doc")"
} | sort >"$jobs/$id.env.tmp"
mv "$jobs/$id.env.tmp" "$jobs/$id.env"

# take NAME: prints control/NAME and removes it; status 1 when there is none.
take() {
  local claimed="$control/.$1.$id.$$"
  mv "$control/$1" "$claimed" 2>/dev/null || return 1
  cat "$claimed"
  rm -f "$claimed"
}

# seconds MS: MS milliseconds as an argument for sleep.
seconds() {
  printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

number_or() {
  if [[ $1 =~ ^[0-9]+$ ]]; then echo "$1"; else echo "$2"; fi
}

delay=$(number_or "$(cat "$control/delay-ms" 2>/dev/null)" 200)
jam_ms=""
if content=$(take jam-next); then jam_ms=$(number_or "$content" 1500); fi
abort_message=""
if content=$(take abort-next); then abort_message=${content:-simulated engine failure}; fi

copies=$(number_or "${IPP_COPIES:-1}" 1)
((copies > 0)) || copies=1
echo "ATTR: job-impressions=$copies" >&2

for ((i = 1; i <= copies; i++)); do
  sleep "$(seconds "$delay")"
  echo "impression $i of job $id"
  echo "ATTR: job-impressions-completed=$i" >&2
  if ((i == 1)) && [[ -n $jam_ms ]]; then
    echo "STATE: +media-jam" >&2
    sleep "$(seconds "$jam_ms")"
    echo "STATE: -media-jam" >&2
  fi
  if ((i == 1)) && [[ -n $abort_message ]]; then
    echo "ERROR: $abort_message" >&2
    exit 1
  fi
done
exit 0
