/* SPDX-License-Identifier: MIT */
/*
 * Shoji's link map. The image is identity mapped at EL2; text, read-only
 * data and writable data sit on separate pages so the MMU can map them W^X.
 * QEMU loads an arm64 Image with text_offset 0 at RAM base + 2 MiB.
 */
OUTPUT_ARCH(aarch64)
ENTRY(_start)

#define HV_LOAD_ADDR 0x40200000

SECTIONS
{
    . = HV_LOAD_ADDR;
    __image_start = .;
    __text_start = .;
    .text : {
        KEEP(*(.text.head))
        *(.text.vectors)
        *(.text .text.*)
    }
    . = ALIGN(4096);
    __text_end = .;
    __rodata_start = .;
    .rodata : {
        *(.rodata .rodata.*)
        . = ALIGN(8);
        __start_sched_ops = .;
        KEEP(*(sched_ops))
        __stop_sched_ops = .;
    }
    . = ALIGN(4096);
    __rodata_end = .;
    __data_start = .;
    .data : {
        *(.data .data.*)
    }
    . = ALIGN(16);
    __bss_start = .;
    .bss (NOLOAD) : {
        *(.bss .bss.*)
        *(COMMON)
    }
    . = ALIGN(4096);
    __bss_end = .;
    __data_end = .;
    __image_end = .;
    __image_size = __image_end - __image_start;

    /DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}
