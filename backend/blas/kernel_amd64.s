#include "textflag.h"

// Zero the twelve accumulators Y0–Y11.
#define ZERO12 \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7 \
	VXORPS Y8, Y8, Y8 \
	VXORPS Y9, Y9, Y9 \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11

// Add the accumulators to the 6×16 float32 tile of C at DX (row stride R8 bytes) and store them.
#define SADDSTORE6 \
	VADDPS (DX), Y0, Y0 \
	VADDPS 32(DX), Y1, Y1 \
	VMOVUPS Y0, (DX) \
	VMOVUPS Y1, 32(DX) \
	ADDQ R8, DX \
	VADDPS (DX), Y2, Y2 \
	VADDPS 32(DX), Y3, Y3 \
	VMOVUPS Y2, (DX) \
	VMOVUPS Y3, 32(DX) \
	ADDQ R8, DX \
	VADDPS (DX), Y4, Y4 \
	VADDPS 32(DX), Y5, Y5 \
	VMOVUPS Y4, (DX) \
	VMOVUPS Y5, 32(DX) \
	ADDQ R8, DX \
	VADDPS (DX), Y6, Y6 \
	VADDPS 32(DX), Y7, Y7 \
	VMOVUPS Y6, (DX) \
	VMOVUPS Y7, 32(DX) \
	ADDQ R8, DX \
	VADDPS (DX), Y8, Y8 \
	VADDPS 32(DX), Y9, Y9 \
	VMOVUPS Y8, (DX) \
	VMOVUPS Y9, 32(DX) \
	ADDQ R8, DX \
	VADDPS (DX), Y10, Y10 \
	VADDPS 32(DX), Y11, Y11 \
	VMOVUPS Y10, (DX) \
	VMOVUPS Y11, 32(DX)

// The same for the 6×8 float64 tile.
#define DADDSTORE6 \
	VADDPD (DX), Y0, Y0 \
	VADDPD 32(DX), Y1, Y1 \
	VMOVUPD Y0, (DX) \
	VMOVUPD Y1, 32(DX) \
	ADDQ R8, DX \
	VADDPD (DX), Y2, Y2 \
	VADDPD 32(DX), Y3, Y3 \
	VMOVUPD Y2, (DX) \
	VMOVUPD Y3, 32(DX) \
	ADDQ R8, DX \
	VADDPD (DX), Y4, Y4 \
	VADDPD 32(DX), Y5, Y5 \
	VMOVUPD Y4, (DX) \
	VMOVUPD Y5, 32(DX) \
	ADDQ R8, DX \
	VADDPD (DX), Y6, Y6 \
	VADDPD 32(DX), Y7, Y7 \
	VMOVUPD Y6, (DX) \
	VMOVUPD Y7, 32(DX) \
	ADDQ R8, DX \
	VADDPD (DX), Y8, Y8 \
	VADDPD 32(DX), Y9, Y9 \
	VMOVUPD Y8, (DX) \
	VMOVUPD Y9, 32(DX) \
	ADDQ R8, DX \
	VADDPD (DX), Y10, Y10 \
	VADDPD 32(DX), Y11, Y11 \
	VMOVUPD Y10, (DX) \
	VMOVUPD Y11, 32(DX)

// One k step of the 6×16 float32 kernel: two B vectors, six broadcasts of A.
#define SSTEP(aoff, boff) \
	VMOVUPS boff(DI), Y12 \
	VMOVUPS boff+32(DI), Y13 \
	VBROADCASTSS aoff(SI), Y14 \
	VBROADCASTSS aoff+4(SI), Y15 \
	VFMADD231PS Y12, Y14, Y0 \
	VFMADD231PS Y13, Y14, Y1 \
	VFMADD231PS Y12, Y15, Y2 \
	VFMADD231PS Y13, Y15, Y3 \
	VBROADCASTSS aoff+8(SI), Y14 \
	VBROADCASTSS aoff+12(SI), Y15 \
	VFMADD231PS Y12, Y14, Y4 \
	VFMADD231PS Y13, Y14, Y5 \
	VFMADD231PS Y12, Y15, Y6 \
	VFMADD231PS Y13, Y15, Y7 \
	VBROADCASTSS aoff+16(SI), Y14 \
	VBROADCASTSS aoff+20(SI), Y15 \
	VFMADD231PS Y12, Y14, Y8 \
	VFMADD231PS Y13, Y14, Y9 \
	VFMADD231PS Y12, Y15, Y10 \
	VFMADD231PS Y13, Y15, Y11

// func sgemmKernel6x16(k int, a, b, c *float32, ldc int)
// C[i][j] += Σ_p a[p*6+i]·b[p*16+j] for i < 6, j < 16; C row stride ldc elements; k ≥ 1.
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	ZERO12
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   stail

sloop4:
	SSTEP(0, 0)
	SSTEP(24, 64)
	SSTEP(48, 128)
	SSTEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  sloop4

stail:
	ANDQ $3, CX
	JZ   sstore

sloop1:
	SSTEP(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  sloop1

sstore:
	SADDSTORE6
	VZEROUPPER
	RET

// One k step of the 6×8 float64 kernel.
#define DSTEP(aoff, boff) \
	VMOVUPD boff(DI), Y12 \
	VMOVUPD boff+32(DI), Y13 \
	VBROADCASTSD aoff(SI), Y14 \
	VBROADCASTSD aoff+8(SI), Y15 \
	VFMADD231PD Y12, Y14, Y0 \
	VFMADD231PD Y13, Y14, Y1 \
	VFMADD231PD Y12, Y15, Y2 \
	VFMADD231PD Y13, Y15, Y3 \
	VBROADCASTSD aoff+16(SI), Y14 \
	VBROADCASTSD aoff+24(SI), Y15 \
	VFMADD231PD Y12, Y14, Y4 \
	VFMADD231PD Y13, Y14, Y5 \
	VFMADD231PD Y12, Y15, Y6 \
	VFMADD231PD Y13, Y15, Y7 \
	VBROADCASTSD aoff+32(SI), Y14 \
	VBROADCASTSD aoff+40(SI), Y15 \
	VFMADD231PD Y12, Y14, Y8 \
	VFMADD231PD Y13, Y14, Y9 \
	VFMADD231PD Y12, Y15, Y10 \
	VFMADD231PD Y13, Y15, Y11

// func dgemmKernel6x8(k int, a, b, c *float64, ldc int)
// C[i][j] += Σ_p a[p*6+i]·b[p*8+j] for i < 6, j < 8; C row stride ldc elements; k ≥ 1.
TEXT ·dgemmKernel6x8(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8
	ZERO12
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   dtail

dloop4:
	DSTEP(0, 0)
	DSTEP(48, 64)
	DSTEP(96, 128)
	DSTEP(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  dloop4

dtail:
	ANDQ $3, CX
	JZ   dstore

dloop1:
	DSTEP(0, 0)
	ADDQ $48, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  dloop1

dstore:
	DADDSTORE6
	VZEROUPPER
	RET

// One k step of the 6×16 float32 kernel reading A unpacked: rows at SI, SI+R9, SI+2·R9, R10,
// R10+R9, R10+2·R9 (R9 = lda in bytes, R10 = SI + 3·R9).
#define SUSTEP(aoff, boff) \
	VMOVUPS boff(DI), Y12 \
	VMOVUPS boff+32(DI), Y13 \
	VBROADCASTSS aoff(SI), Y14 \
	VBROADCASTSS aoff(SI)(R9*1), Y15 \
	VFMADD231PS Y12, Y14, Y0 \
	VFMADD231PS Y13, Y14, Y1 \
	VFMADD231PS Y12, Y15, Y2 \
	VFMADD231PS Y13, Y15, Y3 \
	VBROADCASTSS aoff(SI)(R9*2), Y14 \
	VBROADCASTSS aoff(R10), Y15 \
	VFMADD231PS Y12, Y14, Y4 \
	VFMADD231PS Y13, Y14, Y5 \
	VFMADD231PS Y12, Y15, Y6 \
	VFMADD231PS Y13, Y15, Y7 \
	VBROADCASTSS aoff(R10)(R9*1), Y14 \
	VBROADCASTSS aoff(R10)(R9*2), Y15 \
	VFMADD231PS Y12, Y14, Y8 \
	VFMADD231PS Y13, Y14, Y9 \
	VFMADD231PS Y12, Y15, Y10 \
	VFMADD231PS Y13, Y15, Y11

// func sgemmKernel6x16U(k int, a *float32, lda int, b, c *float32, ldc int)
// C[i][j] += Σ_p a[i*lda+p]·b[p*16+j] for i < 6, j < 16; k ≥ 1.
TEXT ·sgemmKernel6x16U(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	SHLQ $2, R9
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	LEAQ (SI)(R9*2), R10
	ADDQ R9, R10
	ZERO12
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   sutail

suloop4:
	SUSTEP(0, 0)
	SUSTEP(4, 64)
	SUSTEP(8, 128)
	SUSTEP(12, 192)
	ADDQ $16, SI
	ADDQ $16, R10
	ADDQ $256, DI
	DECQ BX
	JNZ  suloop4

sutail:
	ANDQ $3, CX
	JZ   sustore

suloop1:
	SUSTEP(0, 0)
	ADDQ $4, SI
	ADDQ $4, R10
	ADDQ $64, DI
	DECQ CX
	JNZ  suloop1

sustore:
	SADDSTORE6
	VZEROUPPER
	RET

// One k step of the 6×8 float64 kernel reading A unpacked (see SUSTEP).
#define DUSTEP(aoff, boff) \
	VMOVUPD boff(DI), Y12 \
	VMOVUPD boff+32(DI), Y13 \
	VBROADCASTSD aoff(SI), Y14 \
	VBROADCASTSD aoff(SI)(R9*1), Y15 \
	VFMADD231PD Y12, Y14, Y0 \
	VFMADD231PD Y13, Y14, Y1 \
	VFMADD231PD Y12, Y15, Y2 \
	VFMADD231PD Y13, Y15, Y3 \
	VBROADCASTSD aoff(SI)(R9*2), Y14 \
	VBROADCASTSD aoff(R10), Y15 \
	VFMADD231PD Y12, Y14, Y4 \
	VFMADD231PD Y13, Y14, Y5 \
	VFMADD231PD Y12, Y15, Y6 \
	VFMADD231PD Y13, Y15, Y7 \
	VBROADCASTSD aoff(R10)(R9*1), Y14 \
	VBROADCASTSD aoff(R10)(R9*2), Y15 \
	VFMADD231PD Y12, Y14, Y8 \
	VFMADD231PD Y13, Y14, Y9 \
	VFMADD231PD Y12, Y15, Y10 \
	VFMADD231PD Y13, Y15, Y11

// func dgemmKernel6x8U(k int, a *float64, lda int, b, c *float64, ldc int)
// C[i][j] += Σ_p a[i*lda+p]·b[p*8+j] for i < 6, j < 8; k ≥ 1.
TEXT ·dgemmKernel6x8U(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	SHLQ $3, R9
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $3, R8
	LEAQ (SI)(R9*2), R10
	ADDQ R9, R10
	ZERO12
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   dutail

duloop4:
	DUSTEP(0, 0)
	DUSTEP(8, 64)
	DUSTEP(16, 128)
	DUSTEP(24, 192)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $256, DI
	DECQ BX
	JNZ  duloop4

dutail:
	ANDQ $3, CX
	JZ   dustore

duloop1:
	DUSTEP(0, 0)
	ADDQ $8, SI
	ADDQ $8, R10
	ADDQ $64, DI
	DECQ CX
	JNZ  duloop1

dustore:
	DADDSTORE6
	VZEROUPPER
	RET

// func copyRows64(dst, src unsafe.Pointer, lds, rows int)
// Copies rows of 64 bytes: row p from src + p·lds (bytes) to dst + 64·p; rows ≥ 0.
TEXT ·copyRows64(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R8
	MOVQ rows+24(FP), CX
	TESTQ CX, CX
	JZ   cdone

cloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ R8, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  cloop
	VZEROUPPER

cdone:
	RET

// One k step of the strided 6×16 float32 kernel: B at (R14), A at (R13).
#define SSTEPS \
	VMOVUPS (R14), Y12 \
	VMOVUPS 32(R14), Y13 \
	VBROADCASTSS (R13), Y14 \
	VBROADCASTSS 4(R13), Y15 \
	VFMADD231PS Y12, Y14, Y0 \
	VFMADD231PS Y13, Y14, Y1 \
	VFMADD231PS Y12, Y15, Y2 \
	VFMADD231PS Y13, Y15, Y3 \
	VBROADCASTSS 8(R13), Y14 \
	VBROADCASTSS 12(R13), Y15 \
	VFMADD231PS Y12, Y14, Y4 \
	VFMADD231PS Y13, Y14, Y5 \
	VFMADD231PS Y12, Y15, Y6 \
	VFMADD231PS Y13, Y15, Y7 \
	VBROADCASTSS 16(R13), Y14 \
	VBROADCASTSS 20(R13), Y15 \
	VFMADD231PS Y12, Y14, Y8 \
	VFMADD231PS Y13, Y14, Y9 \
	VFMADD231PS Y12, Y15, Y10 \
	VFMADD231PS Y13, Y15, Y11

// func sgemmKernel6x16S(k, nseg int, a *float32, sa, sega int, b *float32, sb, segb int, c *float32, ldc int)
// C[i][j] += Σ_{s<nseg} Σ_{p<k} a[s*sega+p*sa+i]·b[s*segb+p*sb+j] for i < 6, j < 16; k, nseg ≥ 1.
TEXT ·sgemmKernel6x16S(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ nseg+8(FP), BX
	MOVQ a+16(FP), SI
	MOVQ sa+24(FP), R9
	SHLQ $2, R9
	MOVQ sega+32(FP), R11
	SHLQ $2, R11
	MOVQ b+40(FP), DI
	MOVQ sb+48(FP), R10
	SHLQ $2, R10
	MOVQ segb+56(FP), R12
	SHLQ $2, R12
	MOVQ c+64(FP), DX
	MOVQ ldc+72(FP), R8
	SHLQ $2, R8
	ZERO12

ssseg:
	MOVQ SI, R13
	MOVQ DI, R14
	MOVQ CX, AX

ssloop:
	SSTEPS
	ADDQ R9, R13
	ADDQ R10, R14
	DECQ AX
	JNZ  ssloop
	ADDQ R11, SI
	ADDQ R12, DI
	DECQ BX
	JNZ  ssseg

	SADDSTORE6
	VZEROUPPER
	RET

// One k step of the indirect 6×16 float32 kernel: B at (DI), row r of A at (R8+r)(AX*1).
#define SSTEPI \
	VMOVUPS (DI), Y12 \
	VMOVUPS 32(DI), Y13 \
	VBROADCASTSS (R8)(AX*1), Y14 \
	VBROADCASTSS (R9)(AX*1), Y15 \
	VFMADD231PS Y12, Y14, Y0 \
	VFMADD231PS Y13, Y14, Y1 \
	VFMADD231PS Y12, Y15, Y2 \
	VFMADD231PS Y13, Y15, Y3 \
	VBROADCASTSS (R10)(AX*1), Y14 \
	VBROADCASTSS (R11)(AX*1), Y15 \
	VFMADD231PS Y12, Y14, Y4 \
	VFMADD231PS Y13, Y14, Y5 \
	VFMADD231PS Y12, Y15, Y6 \
	VFMADD231PS Y13, Y15, Y7 \
	VBROADCASTSS (R12)(AX*1), Y14 \
	VBROADCASTSS (R13)(AX*1), Y15 \
	VFMADD231PS Y12, Y14, Y8 \
	VFMADD231PS Y13, Y14, Y9 \
	VFMADD231PS Y12, Y15, Y10 \
	VFMADD231PS Y13, Y15, Y11

// func sgemmKernel6x16I(k, nseg int, a *unsafe.Pointer, sega int, b *float32, segb int, c *unsafe.Pointer, add int)
// With A_r = a[r] and C_r = c[r] (six row pointers each):
// C_r[j] = (add ≠ 0 ? C_r[j] : 0) + Σ_{s<nseg} Σ_{p<k} A_r[s*sega+p]·b[s*segb+p*16+j] for r < 6, j < 16;
// k, nseg ≥ 1.
TEXT ·sgemmKernel6x16I(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ nseg+8(FP), BX
	MOVQ a+16(FP), AX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	MOVQ 32(AX), R12
	MOVQ 40(AX), R13
	MOVQ sega+24(FP), DX
	SHLQ $2, DX
	MOVQ b+32(FP), SI
	MOVQ segb+40(FP), R14
	SHLQ $2, R14
	ZERO12

siseg:
	MOVQ SI, DI
	XORQ AX, AX
	MOVQ CX, R15

siloop:
	SSTEPI
	ADDQ $4, AX
	ADDQ $64, DI
	DECQ R15
	JNZ  siloop
	ADDQ DX, R8
	ADDQ DX, R9
	ADDQ DX, R10
	ADDQ DX, R11
	ADDQ DX, R12
	ADDQ DX, R13
	ADDQ R14, SI
	DECQ BX
	JNZ  siseg

	MOVQ c+48(FP), AX
	MOVQ add+56(FP), BX
	TESTQ BX, BX
	JZ   sistore
	MOVQ 0(AX), R8
	VADDPS (R8), Y0, Y0
	VADDPS 32(R8), Y1, Y1
	MOVQ 8(AX), R8
	VADDPS (R8), Y2, Y2
	VADDPS 32(R8), Y3, Y3
	MOVQ 16(AX), R8
	VADDPS (R8), Y4, Y4
	VADDPS 32(R8), Y5, Y5
	MOVQ 24(AX), R8
	VADDPS (R8), Y6, Y6
	VADDPS 32(R8), Y7, Y7
	MOVQ 32(AX), R8
	VADDPS (R8), Y8, Y8
	VADDPS 32(R8), Y9, Y9
	MOVQ 40(AX), R8
	VADDPS (R8), Y10, Y10
	VADDPS 32(R8), Y11, Y11

sistore:
	MOVQ 0(AX), R8
	VMOVUPS Y0, (R8)
	VMOVUPS Y1, 32(R8)
	MOVQ 8(AX), R8
	VMOVUPS Y2, (R8)
	VMOVUPS Y3, 32(R8)
	MOVQ 16(AX), R8
	VMOVUPS Y4, (R8)
	VMOVUPS Y5, 32(R8)
	MOVQ 24(AX), R8
	VMOVUPS Y6, (R8)
	VMOVUPS Y7, 32(R8)
	MOVQ 32(AX), R8
	VMOVUPS Y8, (R8)
	VMOVUPS Y9, 32(R8)
	MOVQ 40(AX), R8
	VMOVUPS Y10, (R8)
	VMOVUPS Y11, 32(R8)
	VZEROUPPER
	RET
