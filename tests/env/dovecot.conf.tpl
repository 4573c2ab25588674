# Private Dovecot for one test stack; up.sh fills in the placeholders.
# `dovecot -c` reads only this file, so nothing under /etc/dovecot leaks in, and a distinct
# instance_name + base_dir lets several stacks run side by side.
instance_name = @INSTANCE@
base_dir = @BASE@/run
state_dir = @BASE@/state
protocols = imap lmtp
listen = 127.0.0.1
log_path = @LOG_DIR@/dovecot.log
info_log_path = @LOG_DIR@/dovecot.log
auth_verbose = yes
# Negative tests log in with wrong passwords on purpose: drop the 2 s failure delay, and the per-IP
# penalty that otherwise delays the *next* login from 127.0.0.1 by 2-15 s.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
default_internal_user = dovecot
default_login_user = dovenull
# vmail is a system uid (100-999); Dovecot refuses uids below this.
first_valid_uid = 100
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @BASE@/users
}
userdb {
  driver = passwd-file
  args = username_format=%u @BASE@/users
  default_fields = uid=vmail gid=vmail home=@BASE@/mail/%d/%n
}
mail_location = maildir:~/Maildir
# support+t12-abc…@example.test is delivered to support@example.test (signed reply addresses).
recipient_delimiter = +
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
}
ssl = yes
ssl_cert = <@BASE@/cert.pem
ssl_key = <@BASE@/key.pem
ssl_min_protocol = TLSv1.2
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @IMAP_PORT@
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = @IMAPS_PORT@
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = @LMTP_PORT@
  }
  unix_listener lmtp {
    mode = 0666
  }
}
protocol lmtp {
  postmaster_address = postmaster@example.test
}
