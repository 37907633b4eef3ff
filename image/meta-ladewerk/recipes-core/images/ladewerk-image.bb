SUMMARY = "ladewerk station OS: read-only A/B root, data partition, RAUC updates"
LICENSE = "MIT"
inherit core-image

IMAGE_INSTALL:append = " packagegroup-ladewerk"
IMAGE_FEATURES += "read-only-rootfs"
IMAGE_FSTYPES = "ext4 wic.gz"

# Two root slots (A, B), a boot partition for U-Boot's script and the environment, and the
# data partition: database, logs, uploads, the RAUC status file.
WKS_FILE = "ladewerk-ab.wks.in"
WIC_CREATE_EXTRA_ARGS = "--no-fstab-update"

# The root is read-only: what programs write goes to the data partition.
ROOTFS_POSTPROCESS_COMMAND:append = " ladewerk_data_links;"
ladewerk_data_links() {
    install -d ${IMAGE_ROOTFS}/data
    ln -sf /data/mosquitto ${IMAGE_ROOTFS}${localstatedir}/lib/mosquitto
    ln -sf /data/chrony ${IMAGE_ROOTFS}${localstatedir}/lib/chrony
}
