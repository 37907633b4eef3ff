SUMMARY = "What a ladewerk station runs beside the program"
LICENSE = "MIT"
inherit packagegroup

RDEPENDS:${PN} = "\
    ladewerk \
    mosquitto \
    chrony \
    systemd-networkd-config \
    modemmanager \
    rauc \
    rauc-mark-good \
    libubootenv-bin \
    u-boot-env \
    gpiod-tools \
"
