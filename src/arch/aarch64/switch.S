/* SPDX-License-Identifier: MIT */
/*
 * aarch64/switch.S - cf__switch() for AAPCS64 (Linux, ELF), GNU as.
 *
 *     void *cf__switch(struct cf__ctx *from, struct cf__ctx *to, void *arg);
 *
 * Stores what a call preserves (AAPCS64 6.1.1 and 6.1.2: x19-x28, the frame
 * pointer x29, the link register x30 and the low halves d8-d15 of v8-v15)
 * in a 160-byte frame on the running stack, stores the stack pointer in
 * from->sp, loads to->sp, loads the other side's registers and returns to
 * its x30 with `arg` in x0. The FP control state (FPCR) is not touched here;
 * coroutines that own one save and load it around the switch (ctx.h).
 *
 * A suspended stack, lowest address first (to->sp points at +0; sp stays
 * 16-byte aligned throughout, as AAPCS64 requires):
 *
 *     +0   d8    +8   d9    +16  d10   +24  d11
 *     +32  d12   +40  d13   +48  d14   +56  d15
 *     +64  x19   +72  x20   +80  x21   +88  x22
 *     +96  x23   +104 x24   +112 x25   +120 x26
 *     +128 x27   +136 x28   +144 x29   +152 x30 (resume address)
 *
 * Why `ret x30` and not `br`, unlike the x86-64 switch's `jmp`: a `br` must
 * land on a BTI landing pad (`bti j`) in a BTI-guarded page, and the resume
 * address is the return address of a `bl` in compiled C, which has none;
 * AArch64 has no equivalent of x86's `notrack`, while `ret` is exempt from
 * BTI. Nor does the predictor argue for `br` here: every switch is made by
 * the one `bl cf__switch` in core/switch.c's cf__jump(), so the return
 * address the return-stack predictor holds for this `ret` is the address it
 * returns to, on either side. (The `ret`s further up the resumed side's
 * stack miss the return stack whichever way this one ends; a `br` would
 * leave one more stale entry on it.)
 *
 * BTI: cf__switch starts with `bti c`, for calls through a PLT or a veneer
 * (`br x16/x17`); cf__start is reached only by this `ret`, which BTI does
 * not check, so it needs no landing pad. The object is marked BTI-compatible
 * and not PAC: nothing here signs a return address, and a PAC-signed x30 of
 * the C code around a switch is saved and restored as the plain value it
 * is, with the stack pointer it was signed against.
 */

    .text
    .globl  cf__switch
    .hidden cf__switch
    .type   cf__switch, %function
    .p2align 4
cf__switch:
    .cfi_startproc
    bti     c
    sub     sp, sp, #160
    .cfi_def_cfa_offset 160
    stp     d8, d9, [sp, #0]
    stp     d10, d11, [sp, #16]
    stp     d12, d13, [sp, #32]
    stp     d14, d15, [sp, #48]
    stp     x19, x20, [sp, #64]
    stp     x21, x22, [sp, #80]
    stp     x23, x24, [sp, #96]
    stp     x25, x26, [sp, #112]
    stp     x27, x28, [sp, #128]
    stp     x29, x30, [sp, #144]
    .cfi_offset x29, -16
    .cfi_offset x30, -8
    mov     x9, sp
    str     x9, [x0]                /* from->sp: this side is now saved */
    ldr     x9, [x1]                /* to->sp: the other side's stack */
    mov     sp, x9
    ldp     d8, d9, [sp, #0]
    ldp     d10, d11, [sp, #16]
    ldp     d12, d13, [sp, #32]
    ldp     d14, d15, [sp, #48]
    ldp     x19, x20, [sp, #64]
    ldp     x21, x22, [sp, #80]
    ldp     x23, x24, [sp, #96]
    ldp     x25, x26, [sp, #112]
    ldp     x27, x28, [sp, #128]
    ldp     x29, x30, [sp, #144]    /* x30: the other side's resume address */
    add     sp, sp, #160
    .cfi_def_cfa_offset 0
    .cfi_restore x29
    .cfi_restore x30
    mov     x0, x2                  /* `arg` is what cf__switch returns */
    ret
    .cfi_endproc
    .size   cf__switch, .-cf__switch

/*
 * The first switch into a context made by cf__ctx_make() returns here, with
 * the entry function in x19, the switch's `arg` already in x0 and x29 zero.
 * x30 is marked undefined so that debuggers stop unwinding at the
 * coroutine's base.
 */
    .globl  cf__start
    .hidden cf__start
    .type   cf__start, %function
    .p2align 4
cf__start:
    .cfi_startproc
    .cfi_undefined x30
    blr     x19
    brk     #0x1                    /* entry functions never return */
    .cfi_endproc
    .size   cf__start, .-cf__start

    .section .note.GNU-stack, "", %progbits

/* GNU property note: BTI-compatible (GNU_PROPERTY_AARCH64_FEATURE_1_BTI). */
    .section .note.gnu.property, "a"
    .p2align 3
    .word   4                       /* name size */
    .word   16                      /* descriptor size */
    .word   5                       /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz  "GNU"
    .word   0xc0000000              /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
    .word   4
    .word   1                       /* BTI */
    .word   0                       /* padding to 8 bytes */
