package cpu

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	"github.com/pkg/errors"
)

func init() {
	registerMulti(backends.OpTypeRNGBitGenerator, execRNGBitGenerator)
}

// execRNGBitGenerator fills the values with random bits from a PCG generator whose 128-bit state is
// the first two words of the state, and returns the advanced state.
func execRNGBitGenerator(b *Backend, n *node, ins []*Buffer, owned []bool) ([]*Buffer, error) {
	st := ins[0].flat.([]uint64)
	rng := rand.NewPCG(st[0], st[1])
	vals := b.newBuf(n.multiShapes[1])
	switch v := vals.flat.(type) {
	case []uint64:
		for i := range v {
			v[i] = rng.Uint64()
		}
	case []uint32:
		for i := range v {
			v[i] = uint32(rng.Uint64() >> 32)
		}
	case []int64:
		for i := range v {
			v[i] = int64(rng.Uint64())
		}
	case []int32:
		for i := range v {
			v[i] = int32(rng.Uint64() >> 32)
		}
	case []uint8:
		for i := range v {
			v[i] = uint8(rng.Uint64() >> 56)
		}
	case []uint16:
		for i := range v {
			v[i] = uint16(rng.Uint64() >> 48)
		}
	default:
		b.release(vals)
		return nil, errors.Errorf("cpu backend: RNGBitGenerator for dtype %s not implemented", n.multiShapes[1].DType)
	}
	enc, err := rng.MarshalBinary()
	if err != nil || len(enc) != 20 || string(enc[:4]) != "pcg:" {
		return nil, errors.New("cpu backend: RNGBitGenerator: unexpected PCG state encoding")
	}
	ns := b.newBuf(n.multiShapes[0])
	nf := ns.flat.([]uint64)
	nf[0] = binary.BigEndian.Uint64(enc[4:12])
	nf[1] = binary.BigEndian.Uint64(enc[12:20])
	nf[2] = st[2]
	return []*Buffer{ns, vals}, nil
}
