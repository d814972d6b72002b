/* SPDX-License-Identifier: MIT */
/*
 * x86_64/switch.S - cf__switch() for the System V AMD64 ABI, ELF, GNU as.
 *
 *     void *cf__switch(struct cf__ctx *from, struct cf__ctx *to, void *arg);
 *
 * Pushes the callee-saved registers (rbp, rbx, r12-r15) on the running stack,
 * stores the stack pointer in from->sp, loads to->sp, pops the other side's
 * registers and jumps to its resume address with `arg` in rax. It ends in a
 * `jmp`, not a `ret`: every switch returns somewhere other than the call it
 * would match, and a `ret` would miss the return-stack predictor every time
 * (3.4x slower, shared/PERF.md). The FP control state is not touched here;
 * coroutines that own one save and load it around the switch.
 *
 * A suspended stack, lowest address first (to->sp points at +0):
 *
 *     +0  r15   +8  r14   +16 r13   +24 r12   +32 rbx   +40 rbp
 *     +48 resume address
 *
 * CET: both entry points start with endbr64, and the jump is `notrack`, as
 * the resume address is a call's return address and has no endbr64. The
 * object is marked IBT-compatible only: shadow stacks (SHSTK) would need a
 * shadow stack per coroutine, which coflow does not switch, so a binary
 * linked with coflow runs without them.
 */

    .text
    .globl  cf__switch
    .hidden cf__switch
    .type   cf__switch, @function
    .p2align 4
cf__switch:
    .cfi_startproc
    endbr64
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    movq    %rsp, (%rdi)            /* from->sp: this side is now saved */
    movq    (%rsi), %rsp            /* to->sp: the other side's stack */
    popq    %r15
    .cfi_adjust_cfa_offset -8
    popq    %r14
    .cfi_adjust_cfa_offset -8
    popq    %r13
    .cfi_adjust_cfa_offset -8
    popq    %r12
    .cfi_adjust_cfa_offset -8
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    popq    %rcx                    /* the other side's resume address */
    .cfi_adjust_cfa_offset -8
    movq    %rdx, %rax              /* `arg` is what cf__switch returns */
    notrack jmp *%rcx
    .cfi_endproc
    .size   cf__switch, .-cf__switch

/*
 * The first switch into a context made by cf__ctx_make() lands here, with
 * the entry function in r12 and the switch's `arg` in rax. rip is marked
 * undefined so that debuggers stop unwinding at the coroutine's base.
 */
    .globl  cf__start
    .hidden cf__start
    .type   cf__start, @function
    .p2align 4
cf__start:
    .cfi_startproc
    .cfi_undefined rip
    endbr64
    movq    %rax, %rdi
    xorl    %ebp, %ebp
    call    *%r12
    ud2                             /* entry functions never return */
    .cfi_endproc
    .size   cf__start, .-cf__start

    .section .note.GNU-stack, "", @progbits

/* GNU property note: IBT-compatible (GNU_PROPERTY_X86_FEATURE_1_IBT). */
    .section .note.gnu.property, "a"
    .p2align 3
    .long   4                       /* name size */
    .long   16                      /* descriptor size */
    .long   5                       /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz  "GNU"
    .long   0xc0000002              /* GNU_PROPERTY_X86_FEATURE_1_AND */
    .long   4
    .long   1                       /* IBT */
    .p2align 3
