/**
 * The emulated device (issue 11): an arm64 Debian root from Debian's packages (`mmdebstrap`)
 * carrying the same pieces as the Yocto layer (the `ladewerk.service` unit, RAUC's
 * `system.conf`, `fw_env.config`, the fstab, the A/B layout: boot, root A, root B, data), and
 * Debian's U-Boot for QEMU's `virt` board running a boot script with RAUC's boot counter.
 * Needs root (the root tree keeps its owners), `mmdebstrap`, `qemu-user-static` with binfmt,
 * `rauc`, `mkimage` (u-boot-tools), `mkenvimage`, `e2fsprogs`, `dosfstools`, `mtools`, `fdisk`.
 *
 * Debian's `u-boot-qemu` keeps its environment in flash; the layer's U-Boot keeps it in a file
 * on the boot partition (`/boot/uboot.env`, where `fw_setenv` and so RAUC write it). The boot
 * script here reads and writes that same file (`env import -c`, `env export -c`, `fatwrite`),
 * so RAUC's U-Boot backend on the device is the real one, unchanged.
 * @module
 */
import { join } from "node:path";
import { REPO_ROOT } from "../tools.ts";

/** Where the device's pieces are built and cached. */
export const DEVICE_CACHE = join(REPO_ROOT, "image", ".cache", "device");
const LAYER = join(REPO_ROOT, "image", "meta-ladewerk");

/** Debian packages of the device root. */
export const DEVICE_PACKAGES = [
  "systemd",
  "systemd-sysv",
  "udev",
  "dbus",
  "linux-image-arm64",
  "initramfs-tools",
  "rauc",
  "rauc-service",
  "libubootenv-tool",
  "e2fsprogs",
  "dosfstools",
  "squashfs-tools",
  "tar",
  "kmod",
  "iproute2",
  "procps",
] as const;

/** Sizes of the partitions (MiB), the layout of `wic/ladewerk-ab.wks.in`. */
export const LAYOUT = { boot: 64, rootfs: 1024, data: 2048 } as const;

/** One step's command; throws with its error output. */
export async function sh(cmd: string, args: string[], o: { cwd?: string } = {}): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(o.cwd ? { cwd: o.cwd } : {}),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-15).join("\n");
    throw new Error(`${cmd} ${args.slice(0, 3).join(" ")} failed:\n${err}`);
  }
  return text;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The arm64 Debian base (cached by its package list): a root directory. */
export async function baseRoot(log: (s: string) => void): Promise<string> {
  const key = await digest(DEVICE_PACKAGES.join(","));
  const root = join(DEVICE_CACHE, `base-${key}`);
  if (await exists(root)) return root;
  await Deno.remove(`${root}.part`, { recursive: true }).catch(() => {});
  await Deno.mkdir(DEVICE_CACHE, { recursive: true });
  log("mmdebstrap: arm64 Debian bookworm root (a few minutes under qemu-user)");
  await sh("mmdebstrap", [
    "--arch=arm64",
    "--variant=minbase",
    "--mode=root",
    `--include=${DEVICE_PACKAGES.join(",")}`,
    // Docs, man pages and locales are not needed on a station.
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "bookworm",
    `${root}.part`,
    "http://deb.debian.org/debian",
  ]);
  await Deno.rename(`${root}.part`, root);
  return root;
}

async function digest(text: string): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(h).slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** What a root of the device holds beside Debian. */
export interface RootSpec {
  /** The aarch64 application payload (`deno task image`), unpacked into /opt/ladewerk. */
  payload: string;
  /** PEM with the trusted update certificates. */
  keyring: string;
  /** The version the root's station says (its `version.json`). */
  version: string;
  /** Replaces bin/ladewerk.js (a broken build for the rollback test). */
  program?: string;
}

/** Unpacks the base into `dir` and adds the station, the layer's files and the kernel. */
export async function makeRoot(base: string, dir: string, spec: RootSpec): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  await sh("cp", ["-a", `${base}/.`, dir]);
  const put = async (path: string, text: string, mode = 0o644) => {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, text);
    await Deno.chmod(full, mode);
  };
  const layer = (p: string) => Deno.readTextFile(join(LAYER, p));

  // The station: /opt/ladewerk as the recipe installs it.
  const opt = join(dir, "opt", "ladewerk");
  await Deno.mkdir(opt, { recursive: true });
  await sh("tar", ["-xf", spec.payload, "-C", opt, "--no-same-owner"]);
  await put("opt/ladewerk/version.json", JSON.stringify({ version: spec.version }) + "\n");
  if (spec.program !== undefined) await put("opt/ladewerk/bin/ladewerk.js", spec.program);
  await put(
    "etc/systemd/system/ladewerk.service",
    await layer("recipes-ladewerk/ladewerk/files/ladewerk.service"),
  );
  await put(
    "usr/lib/tmpfiles.d/ladewerk.conf",
    await layer("recipes-ladewerk/ladewerk/files/ladewerk-tmpfiles.conf"),
  );
  // Emulation only: TCG runs the arm64 program some twenty times slower than the board, so the
  // start, the health checks and the watchdog get more time, and the station's output goes to
  // the serial console (the journal is volatile on a read-only root).
  await put(
    "etc/systemd/system/ladewerk.service.d/emulated.conf",
    [
      "[Service]",
      "TimeoutStartSec=1500",
      "WatchdogSec=600",
      "Environment=LADEWERK_HEALTH_TIMEOUT_MS=1200000",
      "StandardOutput=journal+console",
      "StandardError=journal+console",
      "",
    ].join("\n"),
  );
  await Deno.mkdir(join(dir, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
  await Deno.symlink(
    "/etc/systemd/system/ladewerk.service",
    join(dir, "etc/systemd/system/multi-user.target.wants/ladewerk.service"),
  );
  // No board on QEMU's virt machine: the charge point's parts are the simulated drivers.
  await put(
    "etc/ladewerk/device.json",
    JSON.stringify(
      {
        // Two points, as the unit starts the station (--connectors defaults to 2).
        connectors: 2,
        meters: [{ connector: 1, driver: "sim" }, { connector: 2, driver: "sim" }],
        controllers: [{ connector: 1, driver: "sim" }, { connector: 2, driver: "sim" }],
        modem: { driver: "none" },
      },
      null,
      2,
    ) + "\n",
  );

  // RAUC and its U-Boot backend, as the layer configures them.
  await put("etc/rauc/system.conf", await layer("recipes-core/rauc/files/system.conf"));
  await Deno.copyFile(spec.keyring, join(dir, "etc/rauc/keyring.pem"));
  await put("etc/fw_env.config", await layer("recipes-bsp/u-boot/files/fw_env.config"));

  // The read-only root, /boot and /data (Debian's root device is named by the kernel line).
  await put(
    "etc/fstab",
    [
      "/dev/root  /      auto   ro                 0 1",
      "LABEL=boot /boot  vfat   defaults           0 0",
      "LABEL=data /data  ext4   defaults,noatime   0 2",
      "",
    ].join("\n"),
  );
  await Deno.mkdir(join(dir, "data"), { recursive: true });
  await put("etc/hostname", "ladewerk\n");
  await put("etc/hosts", "127.0.0.1 localhost\n127.0.1.1 ladewerk\n");
  // A read-only root: systemd keeps a transient machine id and the journal in /run.
  await put("etc/machine-id", "");
  await put("etc/systemd/journald.conf.d/volatile.conf", "[Journal]\nStorage=volatile\n");
  await put(
    "etc/systemd/network/20-wired.network",
    "[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n",
  );
  await Deno.symlink(
    "/lib/systemd/system/systemd-networkd.service",
    join(dir, "etc/systemd/system/multi-user.target.wants/systemd-networkd.service"),
  ).catch(() => {});
  // A technician's console on the serial line (no password: this is a test device).
  await sh("sed", ["-i", "s/^root:[^:]*:/root::/", join(dir, "etc/shadow")]);

  // The kernel and its initrd inside the slot, where the boot script loads them.
  const boot = join(dir, "boot");
  const names = [...Deno.readDirSync(boot)].map((e) => e.name);
  const kernel = names.find((n) => n.startsWith("vmlinuz-"));
  const initrd = names.find((n) => n.startsWith("initrd.img-"));
  if (!kernel || !initrd) throw new Error(`No kernel or initrd in the root: ${names.join(", ")}`);
  await Deno.rename(join(boot, kernel), join(boot, "Image"));
  // booti wants the plain Image; Debian's may be gzip-compressed.
  const head = new Uint8Array(2);
  using f = await Deno.open(join(boot, "Image"));
  await f.read(head);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    await Deno.rename(join(boot, "Image"), join(boot, "Image.gz"));
    await sh("gunzip", [join(boot, "Image.gz")]);
  }
  await Deno.rename(join(boot, initrd), join(boot, "initrd.img"));
  // Kernel modules a virt machine never loads take most of the root.
  const mods = join(dir, "lib", "modules");
  for (const version of Deno.readDirSync(mods)) {
    for (
      const sub of [
        "drivers/gpu",
        "drivers/media",
        "drivers/net/wireless",
        "drivers/net/ethernet",
        "drivers/staging",
        "drivers/infiniband",
        "drivers/iio",
        "drivers/hid",
        "drivers/input",
        "drivers/bluetooth",
        "drivers/usb",
        "drivers/scsi",
        "drivers/mmc",
        "drivers/mtd",
        "drivers/spi",
        "drivers/i2c",
        "drivers/hwmon",
        "drivers/phy",
        "drivers/pinctrl",
        "drivers/clk",
        "drivers/regulator",
        "drivers/soc",
        "drivers/crypto",
        "net/wireless",
        "net/mac80211",
        "net/bluetooth",
        "sound",
      ]
    ) {
      await Deno.remove(join(mods, version.name, "kernel", sub), { recursive: true })
        .catch(() => {});
    }
  }
  await Deno.remove(join(dir, "var/cache/apt"), { recursive: true }).catch(() => {});
  await Deno.remove(join(dir, "var/lib/apt/lists"), { recursive: true }).catch(() => {});
}

/** An ext4 file system of `dir` (`mkfs.ext4 -d`: no loop device, no mount). */
export async function ext4Of(dir: string | undefined, out: string, label: string, mib: number) {
  await Deno.remove(out).catch(() => {});
  await sh("mkfs.ext4", [
    "-q",
    "-F",
    "-L",
    label,
    "-E",
    "lazy_itable_init=0",
    ...(dir ? ["-d", dir] : []),
    out,
    `${mib}M`,
  ]);
}

/** The boot script: RAUC's boot counter over the environment file `uboot.env`. */
export const BOOT_SCRIPT =
  `# ladewerk on QEMU virt: RAUC's A/B choice (BOOT_ORDER, BOOT_x_LEFT) in /boot/uboot.env,
# the file fw_setenv and RAUC write. Debian's u-boot-qemu keeps its own environment in flash,
# so this script reads and writes the file itself.
setenv envaddr 0x50000000
setenv BOOT_ORDER
setenv BOOT_A_LEFT
setenv BOOT_B_LEFT
if load virtio 0:1 \${envaddr} uboot.env; then
  env import -c \${envaddr} 0x4000 BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT
fi
test -n "\${BOOT_ORDER}" || setenv BOOT_ORDER "A B"
test -n "\${BOOT_A_LEFT}" || setenv BOOT_A_LEFT 3
test -n "\${BOOT_B_LEFT}" || setenv BOOT_B_LEFT 3

setenv chosen
for slot in \${BOOT_ORDER}; do
  if test -n "\${chosen}"; then
    true
  elif test "\${slot}" = "A" && test \${BOOT_A_LEFT} -gt 0; then
    setexpr BOOT_A_LEFT \${BOOT_A_LEFT} - 1
    setenv chosen A
    setenv rootpart 2
  elif test "\${slot}" = "B" && test \${BOOT_B_LEFT} -gt 0; then
    setexpr BOOT_B_LEFT \${BOOT_B_LEFT} - 1
    setenv chosen B
    setenv rootpart 3
  fi
done

if test -z "\${chosen}"; then
  echo "ladewerk: no slot has tries left, giving both three again"
  setenv BOOT_A_LEFT 3
  setenv BOOT_B_LEFT 3
  env export -c -s 0x4000 \${envaddr} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT
  fatwrite virtio 0:1 \${envaddr} uboot.env 0x4000
  reset
fi

echo "ladewerk: booting slot \${chosen} (A: \${BOOT_A_LEFT}, B: \${BOOT_B_LEFT} tries left)"
env export -c -s 0x4000 \${envaddr} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT
fatwrite virtio 0:1 \${envaddr} uboot.env 0x4000
setenv bootargs "console=ttyAMA0 root=/dev/vda\${rootpart} ro rootwait rauc.slot=\${chosen}"
# A slot without a kernel (never installed, half written) counts as a failed try.
load virtio 0:\${rootpart} \${kernel_addr_r} /boot/Image || reset
load virtio 0:\${rootpart} \${ramdisk_addr_r} /boot/initrd.img || reset
setenv rdsize \${filesize}
booti \${kernel_addr_r} \${ramdisk_addr_r}:\${rdsize} \${fdtcontroladdr}
`;

/** The boot partition: `boot.scr` and the environment file with both slots' three tries. */
export async function bootPartition(out: string): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "ladewerk-boot-" });
  try {
    await Deno.writeTextFile(join(tmp, "boot.cmd"), BOOT_SCRIPT);
    await sh("mkimage", [
      "-A",
      "arm64",
      "-T",
      "script",
      "-C",
      "none",
      "-n",
      "ladewerk A/B",
      "-d",
      join(tmp, "boot.cmd"),
      join(tmp, "boot.scr"),
    ]);
    await Deno.writeTextFile(
      join(tmp, "env.txt"),
      "BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n",
    );
    await sh("mkenvimage", ["-s", "0x4000", "-o", join(tmp, "uboot.env"), join(tmp, "env.txt")]);
    await Deno.remove(out).catch(() => {});
    await sh("truncate", ["-s", `${LAYOUT.boot}M`, out]);
    await sh("mkfs.vfat", ["-n", "boot", out]);
    await sh("mcopy", ["-i", out, join(tmp, "boot.scr"), join(tmp, "uboot.env"), "::/"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** The whole disk: GPT with boot, rootfs_a, rootfs_b, data; root A from `rootA`. */
export async function makeDisk(o: { out: string; rootA: string; work: string }): Promise<void> {
  const boot = join(o.work, "boot.vfat");
  const a = join(o.work, "rootfs_a.ext4");
  const b = join(o.work, "rootfs_b.ext4");
  const data = join(o.work, "data.ext4");
  await bootPartition(boot);
  await ext4Of(o.rootA, a, "rootfs_a", LAYOUT.rootfs);
  await ext4Of(undefined, b, "rootfs_b", LAYOUT.rootfs);
  await ext4Of(undefined, data, "data", LAYOUT.data);
  const start = 1; // MiB
  const parts = [
    { file: boot, name: "boot", mib: LAYOUT.boot },
    { file: a, name: "rootfs_a", mib: LAYOUT.rootfs },
    { file: b, name: "rootfs_b", mib: LAYOUT.rootfs },
    { file: data, name: "data", mib: LAYOUT.data },
  ];
  const total = start + parts.reduce((s, p) => s + p.mib, 0) + 1;
  await Deno.remove(o.out).catch(() => {});
  await sh("truncate", ["-s", `${total}M`, o.out]);
  let at = start;
  const table = ["label: gpt"];
  for (const p of parts) {
    table.push(`start=${at}MiB, size=${p.mib}MiB, name=${p.name}`);
    at += p.mib;
  }
  const sfdisk = new Deno.Command("sfdisk", {
    args: ["-q", o.out],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = sfdisk.stdin.getWriter();
  await w.write(new TextEncoder().encode(table.join("\n") + "\n"));
  await w.close();
  const res = await sfdisk.output();
  if (!res.success) throw new Error(`sfdisk: ${new TextDecoder().decode(res.stderr)}`);
  at = start;
  for (const p of parts) {
    await sh("dd", [
      `if=${p.file}`,
      `of=${o.out}`,
      "bs=1M",
      `seek=${at}`,
      "conv=notrunc,sparse",
      "status=none",
    ]);
    at += p.mib;
    await Deno.remove(p.file);
  }
}

/** A RAUC bundle for the device: the whole root as a tar, which RAUC puts on a fresh ext4. */
export async function deviceBundle(o: {
  root: string;
  version: string;
  key: string;
  cert: string;
  out: string;
  work: string;
}): Promise<void> {
  const dir = join(o.work, "bundle-content");
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  try {
    await sh("tar", ["--numeric-owner", "-cpf", join(dir, "rootfs.tar"), "-C", o.root, "."]);
    await Deno.writeTextFile(
      join(dir, "manifest.raucm"),
      [
        "[update]",
        "compatible=ladewerk-device",
        `version=${o.version}`,
        "",
        "[bundle]",
        "format=verity",
        "",
        "[image.rootfs]",
        "filename=rootfs.tar",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(join(dir, "ladewerk.json"), "{}\n");
    await Deno.remove(o.out).catch(() => {});
    await sh("rauc", ["bundle", "--cert", o.cert, "--key", o.key, dir, o.out]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
