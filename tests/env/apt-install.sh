#!/usr/bin/env bash
# Installs the Debian packages the test stack needs; does nothing (and needs no root) when all are present.
# policy-rc.d keeps the services of these packages from starting; up.sh runs private instances instead.
set -euo pipefail

PACKAGES=(mariadb-server php-cli php-mysql php-xml php-mbstring php-curl php-gd php-zip php-intl wordpress wordpress-theme-twentytwentythree
	dovecot-imapd dovecot-lmtpd chromium fonts-liberation openssl)

missing=()
for p in "${PACKAGES[@]}"; do
	# dpkg -s also succeeds for removed-but-configured packages; only "install ok installed" counts.
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "Missing Debian packages; as root run: apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# --no-install-recommends keeps out wordpress-l10n, the other themes, chromium-sandbox and MariaDB's extra plugins.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
