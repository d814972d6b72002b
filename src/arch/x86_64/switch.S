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
 * (3.4x slower, measured on this machine). The FP control state is not touched here;
 * coroutines that own one save and load it around the switch.
 *
 * A suspended stack, lowest address first (to->sp points at +0):
 *
 *     +0  r15   +8  r14   +16 r13   +24 r12   +32 rbx   +40 rbp
 *     +48 resume address
 *
 * CET: cf__switch starts with endbr64, and every jump to a resume address is
 * `notrack`, as that is a call's return address and has no endbr64. The
 * entry points of the fast protocol below are reached only by direct calls
 * and jumps, or by `notrack` jumps (cf__yield_jump from the inline
 * cf_yield() through the GOT, the resume points), so they need no endbr64
 * (each would be one more instruction on every switch). The
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
    movq    %rdx, %r8               /* and what a fresh context starts with */
    notrack jmp *%rcx
    .cfi_endproc
    .size   cf__switch, .-cf__switch

/*
 * The fast protocol (see core/resume.c): the callers below are reached by
 * tail calls, so the resume address a switch saves is the caller's caller's
 * and no `ret` runs after a switch - every `ret` there would be mispredicted,
 * since the return-stack buffer holds the other side's calls.
 */

/* Saves this side, restores `to`; shared tail of the switches below. */
.macro SAVE_AND_LOAD from=%rdi
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (\from)
.endm

.macro LOAD_AND_JUMP to=%rsi
    movq    (\to), %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %r11
    notrack jmp *%r11
.endm

/* Offsets in a cf_coro (checked in core/resume.c): its context's is_coro,
 * its state word, `in`, `outp`, `caller` and (CF_DEBUG) its FP state. */
#define CF__IS_CORO_OFF 0x18
#define CF__STATE_OFF   0x50
#define CF__IN_OFF      0x60
#define CF__OUTP_OFF    0x80
#define CF__CALLER_OFF  0x98
#define CF__ENV_OFF     0x100

/* The fast yield below is the library's fast protocol: not under a
 * sanitizer (core/internal.h's CF__FAST), where every yield takes the
 * library's path. */
#include "../../common.h"
#define CF__YIELD_FAST (!CF_ASAN && !CF_TSAN)

/*
 * The suspending half of a yield: below the caller's return address (on
 * top of the stack) it leaves `resume` as the resume address, saves this
 * side's registers in `co` (its context is its first member) and marks it
 * SUSPENDED (2) with a plain store, which is a release on x86-64: from
 * then on another thread may resume it.
 */
.macro SUSPEND co, resume
    leaq    \resume(%rip), %rax
    pushq   %rax
    SAVE_AND_LOAD \co
    movl    $2, CF__STATE_OFF(\co)
.endm

/*
 * A frame kept by rbp, with rsp 16-aligned below it, for a call into C
 * from cf__yield_jump's entry (whose rsp is the body's, less the red zone
 * and the return address: not aligned), with the CFI of each step.
 */
.macro ALIGNED_FRAME
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_offset %rbp, -144
    movq    %rsp, %rbp
    .cfi_def_cfa_register %rbp
    andq    $-16, %rsp
.endm

/*
 * The last step of a return into a body that yielded by the inline jump:
 * pop the return address it pushed (rsp is then the body's own, less the
 * red zone cf__yield_jump stepped over), give the red zone back and jump
 * there, with the CFI of each step.
 */
.macro BACK_TO_BODY
    popq    %rcx
    .cfi_adjust_cfa_offset -8
    .cfi_register %rip, %rcx
    leaq    128(%rsp), %rsp
    .cfi_adjust_cfa_offset -128
    notrack jmp *%rcx
.endm

/*
 * cf_status-or-value cf__send_switch(from, lo, hi, to, t, op):
 * a sender resumes `to` with rax:rdx = lo:hi (a cf_value), r8 = t (the
 * coroutine) and r9 = op; cf__yield_resume reads all four. The value comes
 * in rsi:rdx, where cf_send() receives it, so a send moves little.
 */
    .globl  cf__send_switch
    .hidden cf__send_switch
    .type   cf__send_switch, @function
    .p2align 4
cf__send_switch:
    SAVE_AND_LOAD
    movq    %rsi, %rax
    LOAD_AND_JUMP %rcx
    .size   cf__send_switch, .-cf__send_switch

/*
 * cf_status-or-value cf__send_fast(co, lo, hi, out, t, from): cf_send()'s
 * switch into the coroutine `t` itself (its context is its first member),
 * the arguments left where cf_send() has them (co and out unused).
 */
    .globl  cf__send_fast
    .hidden cf__send_fast
    .type   cf__send_fast, @function
    .p2align 4
cf__send_fast:
    SAVE_AND_LOAD %r9
    movq    %rsi, %rax
    LOAD_AND_JUMP %r8
    .size   cf__send_fast, .-cf__send_fast

/*
 * cf__yield_switch(lo, hi, co, to): a coroutine in cf_yield goes back to its
 * sender (`co` is also its saved context; lo:hi, the value yielded, is
 * already stored and is unused); the next resume lands at cf__yield_resume.
 * The sender returns CF_YIELDED (0).
 */
    .globl  cf__yield_switch
    .hidden cf__yield_switch
    .type   cf__yield_switch, @function
    .p2align 4
cf__yield_switch:
    SUSPEND %rdx, cf__yield_resume
    xorl    %eax, %eax
    LOAD_AND_JUMP %rcx
    .size   cf__yield_switch, .-cf__yield_switch

/*
 * cf__yield_to_switch(lo, hi, co, t): the coroutine `co`, in cf__yield_to(),
 * suspends as cf__yield_switch does, and resumes the coroutine `t`, claimed
 * already, as cf__send_fast does: rax:rdx = lo:hi is the value sent, r8 = t.
 * Nothing is stored for co's caller, which `t` now answers.
 */
    .globl  cf__yield_to_switch
    .hidden cf__yield_to_switch
    .type   cf__yield_to_switch, @function
    .p2align 4
cf__yield_to_switch:
    SUSPEND %rdx, cf__yield_resume
    movq    %rdi, %rax
    movq    %rsi, %rdx
    movq    %rcx, %r8
    LOAD_AND_JUMP %rcx
    .size   cf__yield_to_switch, .-cf__yield_to_switch

/*
 * cf__yield_jump: coflow/core.h's inline cf_yield(), entered by a jump, not
 * a call, with the value in rdi:rsi, the body's return address in rax and
 * rsp untouched (the body's own, its red zone below it). No `call` pushed
 * an entry on the return-stack buffer, so the `ret` that ends the switch
 * back to the sender pops the sender's own entry (its call of cf_send()):
 * predicted right, and the buffer is left as the sender's code expects.
 *
 * It steps over the red zone (128 bytes) and pushes the return address,
 * which gives the frame the unwinders see: CFA = the body's rsp, the
 * return address at CFA - 136 (the CFI below says so at every
 * instruction, so gdb, libgcc's unwinder and backtrace() go through it).
 * The fast path is cf_yield()'s (core/resume.c): `*co->outp = v`, cf__cur
 * = co->caller, suspend, and back to the sender with CF_YIELDED (0). The
 * inline cf_yield() declares rbx and r12-r15 clobbered, so only rbp is
 * saved: the other five slots of the frame a resume pops are left as they
 * are. The next resume lands in cf__yield_resume_inline, which steps back
 * over the red zone and jumps to the return address.
 *
 * Anything else - a coroutine with a slow bit, no coroutine (the library's
 * path aborts with a message), a sanitizer build, a CF_DEBUG build's FP
 * state that changed - calls cf__yield_jump_slow() (cf_yield() itself) on
 * a 16-aligned stack, and returns its result the same way.
 */
    .globl  cf__yield_jump
    .type   cf__yield_jump, @function
    .p2align 4
cf__yield_jump:
    .cfi_startproc
    .cfi_def_cfa_offset 0           /* the body's rsp */
    .cfi_register %rip, %rax
    leaq    -128(%rsp), %rsp        /* over the body's red zone */
    .cfi_adjust_cfa_offset 128
    pushq   %rax
    .cfi_adjust_cfa_offset 8
    .cfi_offset %rip, -136
#if CF__YIELD_FAST
    movq    cf__tls@gottpoff(%rip), %rcx
    movq    %fs:(%rcx), %rdx        /* co = cf__cur */
    cmpb    $1, CF__IS_CORO_OFF(%rdx)  /* CF__CORO_PLAIN */
    jne     .Lyield_jump_slow
#ifdef CF_DEBUG
    /* The FP control state is the one it was resumed with (fp_check()):
     * read below rsp, which is this leaf's own red zone. */
    stmxcsr -8(%rsp)
    fnstcw  -4(%rsp)
    movl    -8(%rsp), %eax
    xorl    CF__ENV_OFF(%rdx), %eax
    testl   $0xffc0, %eax           /* CF__MXCSR_CONTROL */
    jnz     .Lyield_jump_slow
    movzwl  -4(%rsp), %eax
    cmpw    %ax, CF__ENV_OFF+4(%rdx)
    jne     .Lyield_jump_slow
#endif
    movq    CF__OUTP_OFF(%rdx), %rax
    movq    %rdi, (%rax)            /* *co->outp = v */
    movq    %rsi, 8(%rax)
    movq    CF__CALLER_OFF(%rdx), %r8
    movq    %r8, %fs:(%rcx)         /* cf__cur = co->caller */
    .cfi_remember_state
    leaq    cf__yield_resume_inline(%rip), %rax
    pushq   %rax
    .cfi_adjust_cfa_offset 8
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_offset %rbp, -152
    leaq    -40(%rsp), %rsp         /* rbx, r12-r15: clobbered */
    .cfi_adjust_cfa_offset 40
    movq    %rsp, (%rdx)
    movl    $2, CF__STATE_OFF(%rdx)
    xorl    %eax, %eax              /* the sender gets CF_YIELDED */
    movq    (%r8), %rsp             /* the sender's registers, its return */
    .cfi_def_cfa_offset 56
    .cfi_offset %rip, -8
    .cfi_offset %rbp, -16
    .cfi_offset %rbx, -24
    .cfi_offset %r12, -32
    .cfi_offset %r13, -40
    .cfi_offset %r14, -48
    .cfi_offset %r15, -56
    popq    %r15
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r15
    popq    %r14
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r14
    popq    %r13
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r13
    popq    %r12
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r12
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbx
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbp
    ret
    .cfi_restore_state
#endif
.Lyield_jump_slow:
    ALIGNED_FRAME
    call    cf__yield_jump_slow
    movq    %rbp, %rsp
    .cfi_def_cfa_register %rsp
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbp
    BACK_TO_BODY
    .cfi_endproc
    .size   cf__yield_jump, .-cf__yield_jump

/*
 * cf__switch_rel(from, to, status, state): as above, resuming at its return
 * through cf__rel_resume, which stores the value sent (rax:rdx) in the
 * coroutine's `in` (r8 is the coroutine): a send passes it in registers
 * only, and the resume points other than cf_yield's read it from there.
 */
    .globl  cf__switch_rel
    .hidden cf__switch_rel
    .type   cf__switch_rel, @function
    .p2align 4
cf__switch_rel:
    leaq    cf__rel_resume(%rip), %rax
    pushq   %rax
    SAVE_AND_LOAD
    movl    $2, (%rcx)
    movq    %rdx, %rax
    LOAD_AND_JUMP
    .size   cf__switch_rel, .-cf__switch_rel

    .type   cf__rel_resume, @function
    .p2align 4
cf__rel_resume:
    movq    %rax, CF__IN_OFF(%r8)
    movq    %rdx, CF__IN_OFF+8(%r8)
    popq    %rcx
    notrack jmp *%rcx
    .size   cf__rel_resume, .-cf__rel_resume

/*
 * Where a coroutine suspended in cf_yield resumes: rax:rdx is the value sent
 * (cf_yield's result); it pops cf_yield's return address and jumps there.
 * A throw first redirects the suspended coroutine to cf__yield_throw (see
 * core/resume.c), which raises at the yield, as if the body had called
 * cf__raise_thrown(co) itself (r8 is the coroutine).
 */
    .globl  cf__yield_resume
    .hidden cf__yield_resume
    .type   cf__yield_resume, @function
    .p2align 4
cf__yield_resume:
    .cfi_startproc
    popq    %rcx
    .cfi_adjust_cfa_offset -8
    .cfi_register %rip, %rcx
    notrack jmp *%rcx
    .cfi_endproc
    .size   cf__yield_resume, .-cf__yield_resume

    .globl  cf__yield_throw
    .hidden cf__yield_throw
    .type   cf__yield_throw, @function
    .p2align 4
cf__yield_throw:
    .cfi_startproc
    movq    %r8, %rdi
    jmp     cf__raise_thrown
    .cfi_endproc
    .size   cf__yield_throw, .-cf__yield_throw

/*
 * The same two for a coroutine suspended in cf__yield_jump (the inline
 * cf_yield()): its return address is 128 bytes below the body's rsp (the
 * red zone between), which the CFI says, so that a debugger unwinds a
 * suspended body from here. The throw calls cf__raise_thrown on a
 * 16-aligned stack, with rbp keeping the frame.
 */
    .globl  cf__yield_resume_inline
    .hidden cf__yield_resume_inline
    .type   cf__yield_resume_inline, @function
    .p2align 4
cf__yield_resume_inline:
    .cfi_startproc
    .cfi_def_cfa_offset 136
    .cfi_offset %rip, -136
    BACK_TO_BODY
    .cfi_endproc
    .size   cf__yield_resume_inline, .-cf__yield_resume_inline

    .globl  cf__yield_throw_inline
    .hidden cf__yield_throw_inline
    .type   cf__yield_throw_inline, @function
    .p2align 4
cf__yield_throw_inline:
    .cfi_startproc
    .cfi_def_cfa_offset 136
    .cfi_offset %rip, -136
    ALIGNED_FRAME
    movq    %r8, %rdi
    call    cf__raise_thrown
    ud2                             /* it does not return */
    .cfi_endproc
    .size   cf__yield_throw_inline, .-cf__yield_throw_inline

/*
 * Where a sender resumes when the coroutine did not simply yield: rax is the
 * coroutine and rdx the sender's real resume address; cf__deliver_end(co)
 * runs on the sender's stack and returns the status there.
 */
    .globl  cf__deliver_tramp
    .hidden cf__deliver_tramp
    .type   cf__deliver_tramp, @function
    .p2align 4
cf__deliver_tramp:
    endbr64
    movq    %rax, %rdi
    pushq   %rdx
    jmp     cf__deliver_end
    .size   cf__deliver_tramp, .-cf__deliver_tramp

/*
 * The first switch into a context made by cf__ctx_make() lands here, with
 * the entry function in r12 and the switch's `arg` (or `t`) in r8. rip is marked
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
    movq    %r8, %rdi
    xorl    %ebp, %ebp
    call    *%r12
    ud2                             /* entry functions never return */
    .cfi_endproc
    .size   cf__start, .-cf__start

/*
 * int cf__prime_switch(from, t, top): the first entry into a new body
 * being primed (core/resume.c's cf__prime, tail-called by cf_coro_new).
 * It saves the creator as cf__send_switch does, then starts the body on
 * its fresh stack (rsp = top, 16-byte aligned) with a direct call of
 * cf__body_entry(t): the new context needs no frame made for it
 * (cf__ctx_make) and no pops, and no indirect jump or call is made. It
 * falls through into cf__start_body, whose CFI marks rip undefined, so
 * that debuggers stop unwinding at the body's base, as at cf__start.
 */
    .globl  cf__prime_switch
    .hidden cf__prime_switch
    .type   cf__prime_switch, @function
    .p2align 4
cf__prime_switch:
    SAVE_AND_LOAD
    movq    %rdx, %rsp              /* the body's stack, empty */
    movq    %rsi, %rdi
    /* falls through: nothing may be placed between the two */
    .size   cf__prime_switch, .-cf__prime_switch

    .type   cf__start_body, @function
cf__start_body:
    .cfi_startproc
    .cfi_undefined rip
    xorl    %ebp, %ebp
    call    cf__body_entry
    ud2                             /* cf__body_entry never returns */
    .cfi_endproc
    .size   cf__start_body, .-cf__start_body

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
