#!/usr/bin/env bash
# Installs, on Debian, every system program the test suite starts or drives, then stops the
# daemons the packages start on their own (the tests run their own instances on free loopback
# ports; the Samba domain controller needs port 389, so no system slapd may hold it).
# Used by .ci/run and by the README's second line; re-runs itself through sudo when not root.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then exec sudo bash "$0" "$@"; fi

packages=(
  # directories
  slapd ldap-utils
  # Samba as an Active Directory domain controller: samba-ad-dc pulls in the DSDB and VFS
  # modules; samba-ad-provision (the schema files `samba-tool domain provision` reads) is only
  # a recommendation, so it is named here because installs run without recommendations.
  samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind
  # shared stores, proxies and clients
  redis-server nginx caddy httpie curl
  # browser for the sign-in tests, load generator for the bench smoke test
  chromium wrk
  # Apache httpd with mod_auth_openidc, the relying party of the OpenID Connect browser test;
  # ssl-cert is apache2's one recommendation, named because installs run without them.
  apache2 libapache2-mod-auth-openidc ssl-cert
  # certificates, CPU pinning (taskset)
  openssl ca-certificates util-linux
)

binaries=(slapd slapadd ldapsearch samba samba-tool redis-server redis-cli nginx caddy http curl
  chromium wrk openssl taskset apache2)

export DEBIAN_FRONTEND=noninteractive
# Keep the packages' system daemons from starting while they install (and from holding ports
# 389, 6379, 80); restored on exit.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=true
fi
trap '[ "$created_policy" = true ] && rm -f "$policy"' EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

for daemon in slapd nginx caddy apache2 redis-server smbd nmbd samba-ad-dc winbind; do
  service "$daemon" stop >/dev/null 2>&1 || true
done

missing=0
for binary in "${binaries[@]}"; do
  command -v "$binary" >/dev/null || { echo "missing $binary after install" >&2; missing=1; }
done
# samba-tool provision fails late, and obscurely, without these two; say so now.
for file in /usr/share/samba/setup/ad-schema/AD_DS_Attributes__Windows_Server_2012_R2.ldf; do
  [ -e "$file" ] || { echo "missing $file (package samba-ad-provision)" >&2; missing=1; }
done
# The Apache test loads the module by path; a missing one would fail only at httpd start.
module=/usr/lib/apache2/modules/mod_auth_openidc.so
[ -e "$module" ] || { echo "missing $module (package libapache2-mod-auth-openidc)" >&2; missing=1; }
exit "$missing"
