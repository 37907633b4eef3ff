SUMMARY = "ladewerk: firmware of an AC charging station (OCPP 1.6-J, Modbus TCP, web interface)"
LICENSE = "CLOSED"

# The payload `deno task image -- --out <this folder>/files` builds: the aarch64 Deno runtime,
# the bundled program (bin/ladewerk.js and its chunks), the built web interface and version.json.
SRC_URI = "file://ladewerk-aarch64.tar;unpack=0 \
           file://ladewerk.service \
           file://ladewerk-tmpfiles.conf"

COMPATIBLE_HOST = "aarch64.*-linux"
inherit systemd

SYSTEMD_SERVICE:${PN} = "ladewerk.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

# The Deno runtime is an ELF whose payload (V8 snapshot, or a `deno compile` output's appended
# program) must not be touched: never strip it, never split debug info out of it.
INHIBIT_PACKAGE_STRIP = "1"
INHIBIT_PACKAGE_DEBUG_SPLIT = "1"
INHIBIT_SYSROOT_STRIP = "1"
INSANE_SKIP:${PN} += "already-stripped ldflags textrel"

# The aarch64 Deno runtime links against libgcc_s; rauc and systemd-notify are called by it.
RDEPENDS:${PN} = "libgcc rauc systemd tar"

do_install() {
    install -d ${D}/opt/ladewerk
    tar -xf ${WORKDIR}/ladewerk-aarch64.tar -C ${D}/opt/ladewerk --no-same-owner
    chmod 0755 ${D}/opt/ladewerk/bin/deno
    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${WORKDIR}/ladewerk.service ${D}${systemd_system_unitdir}/
    install -d ${D}${nonarch_libdir}/tmpfiles.d
    install -m 0644 ${WORKDIR}/ladewerk-tmpfiles.conf ${D}${nonarch_libdir}/tmpfiles.d/ladewerk.conf
}

FILES:${PN} += "/opt/ladewerk ${systemd_system_unitdir}/ladewerk.service \
                ${nonarch_libdir}/tmpfiles.d/ladewerk.conf"
