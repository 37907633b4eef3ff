FILESEXTRAPATHS:prepend := "${THISDIR}/files:"
SRC_URI:append = " file://boot.cmd.in file://fw_env.config"
