FILESEXTRAPATHS:prepend := "${THISDIR}/files:"
