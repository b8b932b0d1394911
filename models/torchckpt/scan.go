package torchckpt

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Pickle opcodes this package treats specially (the names are those of Python's pickletools).
const (
	opMark           = '('
	opStop           = '.'
	opGlobal         = 'c'
	opInst           = 'i'
	opObj            = 'o'
	opNewObj         = 0x81
	opExt1           = 0x82
	opExt2           = 0x83
	opExt4           = 0x84
	opNewObjEx       = 0x92
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

// argKind says how an opcode's inline argument is laid out.
type argKind int

const (
	argNone    argKind = iota
	argFixed           // n bytes
	argLine            // one line ending in '\n'
	argLines2          // two lines
	argLen1            // 1-byte length, then that many bytes
	argLen4            // 4-byte little-endian length, then that many bytes
	argLen8            // 8-byte little-endian length, then that many bytes
	argRefused         // never allowed
)

type opInfo struct {
	name string
	kind argKind
	n    int // size of an argFixed argument
}

// opcodes lists every opcode of pickle protocols 0–5 with its argument layout.
var opcodes = map[byte]opInfo{
	'(': {"MARK", argNone, 0}, '.': {"STOP", argNone, 0}, '0': {"POP", argNone, 0},
	'1': {"POP_MARK", argNone, 0}, '2': {"DUP", argNone, 0}, 'F': {"FLOAT", argLine, 0},
	'I': {"INT", argLine, 0}, 'J': {"BININT", argFixed, 4}, 'K': {"BININT1", argFixed, 1},
	'L': {"LONG", argLine, 0}, 'M': {"BININT2", argFixed, 2}, 'N': {"NONE", argNone, 0},
	'P': {"PERSID", argLine, 0}, 'Q': {"BINPERSID", argNone, 0}, 'R': {"REDUCE", argNone, 0},
	'S': {"STRING", argLine, 0}, 'T': {"BINSTRING", argLen4, 0}, 'U': {"SHORT_BINSTRING", argLen1, 0},
	'V': {"UNICODE", argLine, 0}, 'X': {"BINUNICODE", argLen4, 0}, 'a': {"APPEND", argNone, 0},
	'b': {"BUILD", argNone, 0}, 'c': {"GLOBAL", argLines2, 0}, 'd': {"DICT", argNone, 0},
	'}': {"EMPTY_DICT", argNone, 0}, 'e': {"APPENDS", argNone, 0}, 'g': {"GET", argLine, 0},
	'h': {"BINGET", argFixed, 1}, 'i': {"INST", argRefused, 0}, 'j': {"LONG_BINGET", argFixed, 4},
	'l': {"LIST", argNone, 0}, ']': {"EMPTY_LIST", argNone, 0}, 'o': {"OBJ", argRefused, 0},
	'p': {"PUT", argLine, 0}, 'q': {"BINPUT", argFixed, 1}, 'r': {"LONG_BINPUT", argFixed, 4},
	's': {"SETITEM", argNone, 0}, 't': {"TUPLE", argNone, 0}, ')': {"EMPTY_TUPLE", argNone, 0},
	'u': {"SETITEMS", argNone, 0}, 'G': {"BINFLOAT", argFixed, 8},
	0x80: {"PROTO", argFixed, 1}, 0x81: {"NEWOBJ", argRefused, 0}, 0x82: {"EXT1", argRefused, 0},
	0x83: {"EXT2", argRefused, 0}, 0x84: {"EXT4", argRefused, 0}, 0x85: {"TUPLE1", argNone, 0},
	0x86: {"TUPLE2", argNone, 0}, 0x87: {"TUPLE3", argNone, 0}, 0x88: {"NEWTRUE", argNone, 0},
	0x89: {"NEWFALSE", argNone, 0}, 0x8a: {"LONG1", argLen1, 0}, 0x8b: {"LONG4", argLen4, 0},
	'B': {"BINBYTES", argLen4, 0}, 'C': {"SHORT_BINBYTES", argLen1, 0},
	0x8c: {"SHORT_BINUNICODE", argLen1, 0}, 0x8d: {"BINUNICODE8", argLen8, 0},
	0x8e: {"BINBYTES8", argLen8, 0}, 0x8f: {"EMPTY_SET", argNone, 0}, 0x90: {"ADDITEMS", argNone, 0},
	0x91: {"FROZENSET", argNone, 0}, 0x92: {"NEWOBJ_EX", argRefused, 0},
	0x93: {"STACK_GLOBAL", argNone, 0}, 0x94: {"MEMOIZE", argNone, 0}, 0x95: {"FRAME", argFixed, 8},
	0x96: {"BYTEARRAY8", argLen8, 0}, 0x97: {"NEXT_BUFFER", argRefused, 0},
	0x98: {"READONLY_BUFFER", argRefused, 0},
}

// scanPickle walks the opcodes of the pickle that starts at b[0] without executing any, and returns
// the length of the pickle (up to and including its STOP opcode). It fails on an unknown opcode, on an
// argument that runs past the end of b (so that no length read from the file can make the unpickler
// allocate more than the file holds), on the opcodes that instantiate arbitrary classes or use
// out-of-band data (INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, NEXT_BUFFER, READONLY_BUFFER), and on a
// GLOBAL that allowedGlobal refuses. Positions in errors are byte offsets from base.
func scanPickle(b []byte, base int64) (int, error) {
	pos := 0
	for {
		if pos >= len(b) {
			return 0, fmt.Errorf("pickle ends at byte %d without its STOP opcode (file truncated?)", base+int64(pos))
		}
		op := b[pos]
		info, ok := opcodes[op]
		if !ok {
			return 0, fmt.Errorf("unknown pickle opcode 0x%02x at byte %d", op, base+int64(pos))
		}
		at := pos
		pos++
		rest := len(b) - pos
		need := 0
		switch info.kind {
		case argNone:
		case argFixed:
			need = info.n
		case argLen1, argLen4, argLen8:
			width := map[argKind]int{argLen1: 1, argLen4: 4, argLen8: 8}[info.kind]
			if rest < width {
				return 0, fmt.Errorf("pickle opcode %s at byte %d: truncated length", info.name, base+int64(at))
			}
			var n uint64
			switch width {
			case 1:
				n = uint64(b[pos])
			case 4:
				n = uint64(binary.LittleEndian.Uint32(b[pos:]))
			case 8:
				n = binary.LittleEndian.Uint64(b[pos:])
			}
			if n > uint64(rest-width) {
				return 0, fmt.Errorf("pickle opcode %s at byte %d: length %d runs past the end of the data (file truncated?)", info.name, base+int64(at), n)
			}
			need = width + int(n)
		case argLine, argLines2:
			lines := 1
			if info.kind == argLines2 {
				lines = 2
			}
			end := pos
			var parts []string
			for range lines {
				i := bytes.IndexByte(b[end:], '\n')
				if i < 0 {
					return 0, fmt.Errorf("pickle opcode %s at byte %d: unterminated argument (file truncated?)", info.name, base+int64(at))
				}
				parts = append(parts, string(b[end:end+i]))
				end += i + 1
			}
			need = end - pos
			if op == opGlobal {
				if err := allowedGlobal(parts[0], parts[1]); err != nil {
					return 0, err
				}
			}
		case argRefused:
			return 0, fmt.Errorf("pickle opcode %s at byte %d is not allowed: a checkpoint may hold only tensors and plain containers", info.name, base+int64(at))
		}
		if need > rest {
			return 0, fmt.Errorf("pickle opcode %s at byte %d: argument runs past the end of the data (file truncated?)", info.name, base+int64(at))
		}
		pos += need
		if op == opStop {
			return pos, nil
		}
	}
}
