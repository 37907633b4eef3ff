FILESEXTRAPATHS:prepend := "${THISDIR}/files:"
# The keyring comes from the build configuration (production certificates, at least two so a
# key can be rotated): RAUC_KEYRING_FILE = "/path/to/keyring.pem" in local.conf. Never the
# development key of the tests.
RAUC_KEYRING_FILE ??= "keyring.pem"
