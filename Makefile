# SPDX-License-Identifier: MIT
#
# Shoji top-level build.
#
#   make                      build O/shoji.elf, O/shoji.bin and the guests
#   make <name>_defconfig     configure from arch/arm64/configs/<name>_defconfig
#   make menuconfig           edit O/.config
#   make linux                fetch and build the Linux guest payload
#   make run                  install what is missing, build, boot the demo
#   make test                 unit tests (cmocka) then QEMU integration tests
#   make bench                benchmarks (CSV under results/)
#   make debug                boot the demo stopped under QEMU's gdbstub + gdb
#   make schedsim             build the host scheduler simulator (O/schedsim/)
#
# Every folder lists its objects in its own Makefile as
# `obj-y += x.o` / `obj-$(CONFIG_X) += y.o`.

O ?= build
override O := $(abspath $(O))
SRC := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CROSS_COMPILE ?= aarch64-linux-gnu-
ARCH ?= arm64
DEFCONFIG ?= qemu_virt_arm64_defconfig
SETUP ?= demo

CC := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy
SIZE := $(CROSS_COMPILE)size
SYSROOT := $(O)/cache/sysroot
KCONF := kconfig-conf
KMCONF := kconfig-mconf

# Targets that need neither the configuration nor the toolchain.
NOCONFIG_GOALS := setup clean distclean menuconfig help format format-check schedsim \
	%_defconfig

.PHONY: bench linux all setup clean distclean menuconfig help run test unit integration schedsim \
	debug guests format format-check size

all: $(O)/shoji.bin guests

# --- dependencies -------------------------------------------------------------
# scripts/setup installs Debian packages and builds newlib, libfdt and mbedtls
# into $(O)/cache; it is only run when its own check says something is missing.
$(O)/.setup-ok: scripts/setup lib/mbedtls/mbedtls_config.h
	@$(SRC)/scripts/setup --check --build $(O) || $(SRC)/scripts/setup --build $(O)
	@mkdir -p $(O) && touch $@

setup:
	@$(SRC)/scripts/setup --build $(O)
	@mkdir -p $(O) && touch $(O)/.setup-ok

# --- configuration --------------------------------------------------------------
%_defconfig:
	@mkdir -p $(O)/include/generated $(O)/include/config
	@test -f arch/$(ARCH)/configs/$@ || \
		{ echo "no such defconfig: arch/$(ARCH)/configs/$@"; exit 1; }
	@KCONFIG_CONFIG=$(O)/.config $(KCONF) --defconfig=arch/$(ARCH)/configs/$@ \
		Kconfig > /dev/null
	@echo "  CONFIG  $(O)/.config from $@"

# Configuring needs kconfig-conf: on a fresh machine setup installs it first.
$(O)/.config: | $(O)/.setup-ok
	@$(MAKE) --no-print-directory $(DEFCONFIG)

menuconfig: $(O)/.config
	@KCONFIG_CONFIG=$(O)/.config $(KMCONF) Kconfig

# autoconf.h is regenerated whenever .config changes (kconfig-conf has to run
# inside the build folder to write include/generated and include/config).
# auto.conf is included below, so make regenerates it first and restarts.
$(O)/include/config/auto.conf: $(O)/.config $(shell find . -name Kconfig \
		-not -path './build*')
	@mkdir -p $(O)/include/generated $(O)/include/config
	@cd $(O) && srctree=$(SRC) KCONFIG_CONFIG=.config $(KCONF) --olddefconfig \
		Kconfig > /dev/null
	@cd $(O) && srctree=$(SRC) KCONFIG_CONFIG=.config $(KCONF) --silentoldconfig \
		Kconfig < /dev/null
	@touch $@ $(O)/include/generated/autoconf.h

$(O)/include/generated/autoconf.h: $(O)/include/config/auto.conf

ifeq ($(filter $(NOCONFIG_GOALS),$(MAKECMDGOALS)),)
-include $(O)/include/config/auto.conf
endif

# --- hypervisor objects ---------------------------------------------------------
DIRS := arch/$(ARCH) kernel sched drivers
objs :=
define add_dir
obj-y :=
include $(1)/Makefile
objs += $$(addprefix $(O)/$(1)/,$$(obj-y))
endef
$(foreach d,$(DIRS),$(eval $(call add_dir,$(d))))

INCLUDES := -I$(O)/include -Ikernel/include -Iarch/$(ARCH)/include \
	-Isched/include -Idrivers/include -isystem $(SYSROOT)/include \
	-isystem $(shell $(CC) -print-file-name=include 2>/dev/null)
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla \
	-Wstrict-prototypes -Wno-unused-parameter
CFLAGS := -std=c11 -O2 -g -ffreestanding -nostdinc -fno-builtin-printf \
	-U__linux__ -U__linux -U__gnu_linux__ -Ulinux -U__unix__ -U__unix -Uunix \
	-march=armv8-a -mgeneral-regs-only -mstrict-align -mno-outline-atomics \
	-fno-pie -fno-pic -fno-stack-protector -fno-common \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-ffunction-sections -fdata-sections -include $(O)/include/generated/autoconf.h \
	$(WARN) $(INCLUDES) -MMD -MP
ASFLAGS := -D__ASSEMBLY__ -g $(INCLUDES) -include $(O)/include/generated/autoconf.h \
	-MMD -MP
LDFLAGS := -nostdlib -nostartfiles -static -no-pie -Wl,--gc-sections \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments
LIBS := -L$(SYSROOT)/lib -Wl,--start-group -lfdt -lc -lgcc -Wl,--end-group

$(O)/%.o: %.c $(O)/include/generated/autoconf.h $(O)/.setup-ok
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(O)/%.o: %.S $(O)/include/generated/autoconf.h $(O)/.setup-ok
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -c $< -o $@

$(O)/hv.lds: arch/$(ARCH)/hv.lds.S $(O)/include/generated/autoconf.h
	@$(CC) -E -P -D__ASSEMBLY__ $(INCLUDES) \
		-include $(O)/include/generated/autoconf.h -x c $< -o $@

$(O)/shoji.elf: $(objs) $(O)/hv.lds
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -T $(O)/hv.lds $(objs) $(LIBS) -o $@

$(O)/shoji.bin: $(O)/shoji.elf
	@echo "  OBJCOPY $@"
	@$(OBJCOPY) -O binary $< $@
	@$(SIZE) $<

-include $(objs:.o=.d)

size: $(O)/shoji.elf
	@$(SIZE) $<; ls -l $(O)/shoji.bin

# --- guests ------------------------------------------------------------------------
guests: $(O)/.setup-ok
	@$(MAKE) --no-print-directory -C guests O=$(O) CROSS_COMPILE=$(CROSS_COMPILE) \
		SYSROOT=$(SYSROOT)

# Linux guest payload (Debian kernel + busybox initramfs), cached.
linux: $(O)/.setup-ok
	@guests/linux/build.sh --build $(O)

# --- running and testing --------------------------------------------------------
run: all
	@tools/shoji-run --build $(O) --config configs/$(SETUP).dts --timeout 300

debug: all
	@echo "QEMU waits for gdb on :1234; gdb-multiarch starts with symbols."
	@tools/shoji-run --build $(O) --config configs/$(SETUP).dts --timeout 3600 \
		-- -S -gdb tcp::1234 & \
	gdb-multiarch -q $(O)/shoji.elf -ex 'target remote :1234'

# Host scheduler simulator (tools/schedsim): host gcc only.
schedsim:
	@$(MAKE) --no-print-directory -C tools/schedsim O=$(abspath $(O))

unit: $(O)/.setup-ok
	@$(MAKE) --no-print-directory -C tests/unit O=$(O)/unit \
		LIBFDT_SRC=$(O)/cache/src/libfdt

integration: all
	@tests/integration/run_all.sh --build $(O)

# Benchmarks: long, not part of `make test`; CSV under results/.
bench: all linux
	@bench/linux_boot.py --build $(O) --results results
	@bench/sched_latency.py --build $(O) --results results
	@bench/virtio_io.py --build $(O) --results results

test: $(O)/.setup-ok
	@tests/run_all.sh --build $(O)

format:
	@git ls-files '*.c' '*.h' | grep -v '^lib/' | xargs clang-format -i

format-check:
	@git ls-files '*.c' '*.h' | grep -v '^lib/' | \
		xargs clang-format --dry-run --Werror

clean:
	@rm -rf $(O)/arch $(O)/kernel $(O)/sched $(O)/drivers $(O)/guests \
		$(O)/unit $(O)/schedsim $(O)/shoji.elf $(O)/shoji.bin $(O)/hv.lds

distclean:
	@rm -rf $(O)

help:
	@sed -n '3,13p' Makefile
