/* SPDX-License-Identifier: MIT */
/*
 * riscv64/switch.S - cf__switch() for the LP64D ABI (RV64GC Linux, ELF),
 * GNU as.
 *
 *     void *cf__switch(struct cf__ctx *from, struct cf__ctx *to, void *arg);
 *
 * Stores what a call preserves (psABI "Integer and Floating-Point Register
 * Convention": s0-s11, fs0-fs11, sp) and the return address in a 208-byte
 * frame on the running stack, stores the stack pointer in from->sp, loads
 * to->sp, loads the other side's registers and jumps to its resume address
 * with `arg` in a0. The FP control state (fcsr's frm) is not touched here;
 * coroutines that own one save and load it around the switch (ctx.h).
 *
 * A suspended stack, lowest address first (to->sp points at +0; sp stays
 * 16-byte aligned, as the psABI requires):
 *
 *     +0   resume address (ra)
 *     +8   s0    +16  s1    +24  s2    +32  s3    +40  s4    +48  s5
 *     +56  s6    +64  s7    +72  s8    +80  s9    +88  s10   +96  s11
 *     +104 fs0   +112 fs1   +120 fs2   +128 fs3   +136 fs4   +144 fs5
 *     +152 fs6   +160 fs7   +168 fs8   +176 fs9   +184 fs10  +192 fs11
 *     +200 padding
 *
 * It ends in `jr t2`, not `ret`, for the reason the x86-64 switch ends in
 * `jmp`: a switch returns somewhere other than the call it would match,
 * and `ret` (jalr through ra or t0) is the hint that pops the return-address
 * stack, so it would mispredict; a jump through any other register is a
 * plain indirect jump. t2 in particular is the register Zicfilp exempts
 * from landing-pad checks, so the resume address, a call's return address
 * with no `lpad`, stays a valid target if forward-edge CFI comes to Linux.
 */

    .text
    .globl  cf__switch
    .hidden cf__switch
    .type   cf__switch, @function
    .p2align 2
cf__switch:
    .cfi_startproc
    addi    sp, sp, -208
    .cfi_def_cfa_offset 208
    sd      ra, 0(sp)
    .cfi_offset ra, -208
    sd      s0, 8(sp)
    sd      s1, 16(sp)
    sd      s2, 24(sp)
    sd      s3, 32(sp)
    sd      s4, 40(sp)
    sd      s5, 48(sp)
    sd      s6, 56(sp)
    sd      s7, 64(sp)
    sd      s8, 72(sp)
    sd      s9, 80(sp)
    sd      s10, 88(sp)
    sd      s11, 96(sp)
    fsd     fs0, 104(sp)
    fsd     fs1, 112(sp)
    fsd     fs2, 120(sp)
    fsd     fs3, 128(sp)
    fsd     fs4, 136(sp)
    fsd     fs5, 144(sp)
    fsd     fs6, 152(sp)
    fsd     fs7, 160(sp)
    fsd     fs8, 168(sp)
    fsd     fs9, 176(sp)
    fsd     fs10, 184(sp)
    fsd     fs11, 192(sp)
    sd      sp, 0(a0)               /* from->sp: this side is now saved */
    ld      sp, 0(a1)               /* to->sp: the other side's stack */
    ld      t2, 0(sp)               /* the other side's resume address */
    ld      s0, 8(sp)
    ld      s1, 16(sp)
    ld      s2, 24(sp)
    ld      s3, 32(sp)
    ld      s4, 40(sp)
    ld      s5, 48(sp)
    ld      s6, 56(sp)
    ld      s7, 64(sp)
    ld      s8, 72(sp)
    ld      s9, 80(sp)
    ld      s10, 88(sp)
    ld      s11, 96(sp)
    fld     fs0, 104(sp)
    fld     fs1, 112(sp)
    fld     fs2, 120(sp)
    fld     fs3, 128(sp)
    fld     fs4, 136(sp)
    fld     fs5, 144(sp)
    fld     fs6, 152(sp)
    fld     fs7, 160(sp)
    fld     fs8, 168(sp)
    fld     fs9, 176(sp)
    fld     fs10, 184(sp)
    fld     fs11, 192(sp)
    addi    sp, sp, 208
    .cfi_def_cfa_offset 0
    mv      a0, a2                  /* `arg` is what cf__switch returns */
    jr      t2
    .cfi_endproc
    .size   cf__switch, .-cf__switch

/*
 * The first switch into a context made by cf__ctx_make() lands here, with
 * the entry function in s1, the switch's `arg` already in a0 and s0 (the
 * frame pointer) zero. ra is marked undefined so that debuggers stop
 * unwinding at the coroutine's base.
 */
    .globl  cf__start
    .hidden cf__start
    .type   cf__start, @function
    .p2align 2
cf__start:
    .cfi_startproc
    .cfi_undefined ra
    jalr    s1
    unimp                           /* entry functions never return */
    .cfi_endproc
    .size   cf__start, .-cf__start

    .section .note.GNU-stack, "", @progbits
