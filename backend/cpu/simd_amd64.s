#include "textflag.h"

// Float32 AVX2 loops of the fused elementwise programs. Each processes n elements, n a multiple of
// 8 (the Go callers do the remainder), 32 per iteration while possible, then 8.

// VV(name, INSTR): o[i] = x[i] INSTR y[i]; func(o, x, y *float32, n int).
#define VV(name, INSTR) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ o+0(FP), DI \
	MOVQ x+8(FP), SI \
	MOVQ y+16(FP), DX \
	MOVQ n+24(FP), CX \
loop32: \
	CMPQ CX, $32 \
	JLT loop8 \
	VMOVUPS (SI), Y0 \
	VMOVUPS 32(SI), Y1 \
	VMOVUPS 64(SI), Y2 \
	VMOVUPS 96(SI), Y3 \
	INSTR (DX), Y0, Y0 \
	INSTR 32(DX), Y1, Y1 \
	INSTR 64(DX), Y2, Y2 \
	INSTR 96(DX), Y3, Y3 \
	VMOVUPS Y0, (DI) \
	VMOVUPS Y1, 32(DI) \
	VMOVUPS Y2, 64(DI) \
	VMOVUPS Y3, 96(DI) \
	ADDQ $128, SI \
	ADDQ $128, DX \
	ADDQ $128, DI \
	SUBQ $32, CX \
	JMP loop32 \
loop8: \
	CMPQ CX, $8 \
	JLT done \
	VMOVUPS (SI), Y0 \
	INSTR (DX), Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DX \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JMP loop8 \
done: \
	VZEROUPPER \
	RET

// VS(name, INSTR): o[i] = x[i] INSTR c; func(o, x *float32, c float32, n int).
#define VS(name, INSTR) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ o+0(FP), DI \
	MOVQ x+8(FP), SI \
	VBROADCASTSS c+16(FP), Y4 \
	MOVQ n+24(FP), CX \
loop32: \
	CMPQ CX, $32 \
	JLT loop8 \
	VMOVUPS (SI), Y0 \
	VMOVUPS 32(SI), Y1 \
	VMOVUPS 64(SI), Y2 \
	VMOVUPS 96(SI), Y3 \
	INSTR Y4, Y0, Y0 \
	INSTR Y4, Y1, Y1 \
	INSTR Y4, Y2, Y2 \
	INSTR Y4, Y3, Y3 \
	VMOVUPS Y0, (DI) \
	VMOVUPS Y1, 32(DI) \
	VMOVUPS Y2, 64(DI) \
	VMOVUPS Y3, 96(DI) \
	ADDQ $128, SI \
	ADDQ $128, DI \
	SUBQ $32, CX \
	JMP loop32 \
loop8: \
	CMPQ CX, $8 \
	JLT done \
	VMOVUPS (SI), Y0 \
	INSTR Y4, Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JMP loop8 \
done: \
	VZEROUPPER \
	RET

// SV(name, INSTR): o[i] = c INSTR x[i]; func(o, x *float32, c float32, n int).
#define SV(name, INSTR) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ o+0(FP), DI \
	MOVQ x+8(FP), SI \
	VBROADCASTSS c+16(FP), Y4 \
	MOVQ n+24(FP), CX \
loop8: \
	CMPQ CX, $8 \
	JLT done \
	VMOVUPS (SI), Y0 \
	INSTR Y0, Y4, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JMP loop8 \
done: \
	VZEROUPPER \
	RET

VV(·addVVF32, VADDPS)
VV(·subVVF32, VSUBPS)
VV(·mulVVF32, VMULPS)
VV(·divVVF32, VDIVPS)
VS(·addVSF32, VADDPS)
VS(·subVSF32, VSUBPS)
VS(·mulVSF32, VMULPS)
VS(·divVSF32, VDIVPS)
SV(·subSVF32, VSUBPS)
SV(·divSVF32, VDIVPS)

// CMPVV(name, PRED): o[i] = x[i] PRED y[i] ? 1 : 0; func(o, x, y *float32, n int).
#define CMPVV(name, PRED) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ o+0(FP), DI \
	MOVQ x+8(FP), SI \
	MOVQ y+16(FP), DX \
	MOVQ n+24(FP), CX \
	MOVL $0x3f800000, AX \
	MOVL AX, X5 \
	VBROADCASTSS X5, Y5 \
loop8: \
	CMPQ CX, $8 \
	JLT done \
	VMOVUPS (SI), Y0 \
	VCMPPS PRED, (DX), Y0, Y0 \
	VANDPS Y5, Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DX \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JMP loop8 \
done: \
	VZEROUPPER \
	RET

// CMPVS(name, PRED): o[i] = x[i] PRED c ? 1 : 0; func(o, x *float32, c float32, n int).
#define CMPVS(name, PRED) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ o+0(FP), DI \
	MOVQ x+8(FP), SI \
	VBROADCASTSS c+16(FP), Y4 \
	MOVQ n+24(FP), CX \
	MOVL $0x3f800000, AX \
	MOVL AX, X5 \
	VBROADCASTSS X5, Y5 \
loop8: \
	CMPQ CX, $8 \
	JLT done \
	VMOVUPS (SI), Y0 \
	VCMPPS PRED, Y4, Y0, Y0 \
	VANDPS Y5, Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JMP loop8 \
done: \
	VZEROUPPER \
	RET

// Predicates: EQ_OQ 0x00, LT_OQ 0x11, LE_OQ 0x12, NEQ_UQ 0x04, GE_OQ 0x1d, GT_OQ 0x1e (ordered
// comparisons are false with a NaN operand, and ≠ is true, as in Go).
CMPVV(·eqVVF32, $0x00)
CMPVV(·neVVF32, $0x04)
CMPVV(·ltVVF32, $0x11)
CMPVV(·leVVF32, $0x12)
CMPVV(·geVVF32, $0x1d)
CMPVV(·gtVVF32, $0x1e)
CMPVS(·eqVSF32, $0x00)
CMPVS(·neVSF32, $0x04)
CMPVS(·ltVSF32, $0x11)
CMPVS(·leVSF32, $0x12)
CMPVS(·geVSF32, $0x1d)
CMPVS(·gtVSF32, $0x1e)

// func whereF32(o, c, t, f *float32, tv, fv float32, mode, n int)
// o[i] = bits(c[i]) ≠ 0 ? t : f, where t is t[i] (mode bit 0 clear) or tv (set), and f is f[i]
// (mode bit 1 clear) or fv (set).
TEXT ·whereF32(SB), NOSPLIT, $0-56
	MOVQ o+0(FP), DI
	MOVQ c+8(FP), SI
	MOVQ t+16(FP), DX
	MOVQ f+24(FP), R8
	VBROADCASTSS tv+32(FP), Y4
	VBROADCASTSS fv+36(FP), Y5
	MOVQ mode+40(FP), R9
	MOVQ n+48(FP), CX
	VPXOR Y6, Y6, Y6
loop8:
	CMPQ CX, $8
	JLT done
	VMOVUPS (SI), Y0
	VPCMPEQD Y6, Y0, Y0 // all ones where c is +0 (bits 0): take f
	VMOVAPS Y4, Y1
	TESTQ $1, R9
	JNZ tready
	VMOVUPS (DX), Y1
tready:
	VMOVAPS Y5, Y2
	TESTQ $2, R9
	JNZ fready
	VMOVUPS (R8), Y2
fready:
	VBLENDVPS Y0, Y2, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	VZEROUPPER
	RET

// func nonNegF32(o, x *float32, n int)
// o[i] = 1 where x[i] ≥ 0 (−0 included), +0 where x[i] < 0, x[i] where x[i] is NaN.
TEXT ·nonNegF32(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL $0x3f800000, AX
	MOVL AX, X5
	VBROADCASTSS X5, Y5
	VXORPS Y6, Y6, Y6
loop8:
	CMPQ CX, $8
	JLT done
	VMOVUPS (SI), Y0
	VCMPPS $0x1d, Y6, Y0, Y1 // x ≥ 0
	VANDPS Y5, Y1, Y1
	VCMPPS $0x03, Y0, Y0, Y2 // unordered: NaN
	VBLENDVPS Y2, Y0, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	VZEROUPPER
	RET

// func sqrtF32(o, x *float32, n int)
TEXT ·sqrtF32(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
loop8:
	CMPQ CX, $8
	JLT done
	VSQRTPS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	VZEROUPPER
	RET

// func addRows4F32(acc, a, b, c, d *float32, n int)
// acc[i] += (a[i] + b[i]) + (c[i] + d[i]).
TEXT ·addRows4F32(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ c+24(FP), R8
	MOVQ d+32(FP), R9
	MOVQ n+40(FP), CX
loop8:
	CMPQ CX, $8
	JLT done
	VMOVUPS (SI), Y0
	VADDPS (DX), Y0, Y0
	VMOVUPS (R8), Y1
	VADDPS (R9), Y1, Y1
	VADDPS Y1, Y0, Y0
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	VZEROUPPER
	RET

// func maxIntoF32(o, x *float32, n int)
// o[i] = max(o[i], x[i]) with Go's semantics: NaN if either is NaN, max(−0, +0) = +0.
TEXT ·maxIntoF32(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
loop8:
	CMPQ CX, $8
	JLT done
	VMOVUPS (DI), Y0 // a
	VMOVUPS (SI), Y1 // b
	VMAXPS Y1, Y0, Y2 // max, either operand for NaN or ±0
	VCMPPS $0x00, Y1, Y0, Y3 // a == b (ordered)
	VANDPS Y1, Y0, Y4 // a & b: a when equal, +0 for ±0
	VBLENDVPS Y3, Y4, Y2, Y2
	VCMPPS $0x03, Y1, Y0, Y3 // unordered
	VADDPS Y1, Y0, Y4 // NaN where either is NaN
	VBLENDVPS Y3, Y4, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	VZEROUPPER
	RET

// func copyNTF32(dst, src *float32, n int)
// Copies n float32 (a multiple of 8) with non-temporal stores; dst must be 32-byte aligned.
TEXT ·copyNTF32(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
loop32:
	CMPQ CX, $32
	JLT loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVNTPS Y0, (DI)
	VMOVNTPS Y1, 32(DI)
	VMOVNTPS Y2, 64(DI)
	VMOVNTPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP loop32
loop8:
	CMPQ CX, $8
	JLT done
	VMOVUPS (SI), Y0
	VMOVNTPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	SFENCE
	VZEROUPPER
	RET
