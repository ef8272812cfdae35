/**
 * The guest side of a recording: /init of the initramfs (PID 1, busybox sh). It loads the modules
 * listed in /etc/memhp/modules, then answers the recorder on ttyS1 (the kernel's console stays on
 * ttyS0, a log only). One request a line, `<tag> dump` or `<tag> run <shell command>`; every
 * answer is framed by `@@<tag> begin` and `@@<tag> end <exit status>`. When ready it says
 * `@@ready <uname -r> <modules that failed to load, comma-separated, or ->`.
 *
 * A dump prints /proc/iomem after `@@iomem`, every memory block as `memoryN <state> <valid_zones>`
 * after `@@blocks <block_size_bytes>`, and MemTotal after `@@meminfo`. It reads sysfs with the
 * shell's own `read`, so a dump of hundreds of blocks forks nothing per block.
 */

/** Where the initramfs keeps the module load order. */
export const MODULE_LIST = 'etc/memhp/modules';

export const GUEST_INIT = `#!/bin/busybox sh
# memhp record: PID 1 of the recording guest (see main/cli/record/guest-init.ts).
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

failed=
if [ -f /${MODULE_LIST} ]; then
  while read -r ko; do
    [ -n "$ko" ] || continue
    insmod "/lib/modules/$ko" || failed="$failed,\${ko%.ko}"
  done < /${MODULE_LIST}
fi
failed=\${failed#,}

mem=/sys/devices/system/memory
dump() {
  echo "@@iomem"
  cat /proc/iomem
  if [ -d $mem ]; then
    read -r bs < $mem/block_size_bytes
    echo "@@blocks $bs"
    for d in $mem/memory[0-9]*; do
      state=; zones=
      read -r state < $d/state
      [ -e $d/valid_zones ] && read -r zones < $d/valid_zones 2>/dev/null
      echo "\${d##*/} $state $zones"
    done
  fi
  echo "@@meminfo"
  grep '^MemTotal:' /proc/meminfo
}

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec </dev/ttyS1 >/dev/ttyS1 2>&1
echo "@@ready $(uname -r) \${failed:--}"
while read -r tag verb rest; do
  case "$verb" in
    dump) echo "@@$tag begin"; dump; echo "@@$tag end 0" ;;
    run) echo "@@$tag begin"; sh -c "$rest" </dev/null; echo "@@$tag end $?" ;;
    '') ;;
    *) echo "@@$tag begin"; echo "unknown request: $verb"; echo "@@$tag end 127" ;;
  esac
done
poweroff -f
`;
