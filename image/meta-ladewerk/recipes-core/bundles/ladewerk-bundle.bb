SUMMARY = "ladewerk update bundle: the whole root file system for the other slot"
LICENSE = "MIT"
inherit bundle

RAUC_BUNDLE_COMPATIBLE = "ladewerk-device"
RAUC_BUNDLE_FORMAT = "verity"
RAUC_BUNDLE_SLOTS = "rootfs"
RAUC_SLOT_rootfs = "ladewerk-image"
RAUC_SLOT_rootfs[fstype] = "ext4"
# Signed with the production key of the build host (never the tests' development key).
RAUC_KEY_FILE ??= "${TOPDIR}/keys/ladewerk-update.key.pem"
RAUC_CERT_FILE ??= "${TOPDIR}/keys/ladewerk-update.cert.pem"
