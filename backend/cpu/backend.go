// Package cpu is a GoMLX backend that runs computation graphs on the CPU in pure Go, sending matrix
// products and convolutions to a fast GEMM (package blas: Go AVX2/FMA kernels, or OpenBLAS on CPUs without them).
//
// It records the graph's operations (Builder), compiles them into a topologically ordered program
// whose intermediate buffers are released to a pool after their last use and reused in place by
// elementwise ops (Executable), and runs one executor per operation. Compilation rewrites:
//
//   - ReduceSum(Mul(a, b)) with broadcast operands (GoMLX's gradient of DotGeneral and Dot) into a
//     single product (one GEMM per batch element), never materialising the broadcast product;
//   - the two convolutions GoMLX emits for the gradient of an NHWC/HWIO 2-D convolution into direct
//     filter- and input-gradient kernels (package kernels);
//   - trees of float elementwise ops (arithmetic, unary functions, comparisons, Where, broadcast
//     operands, Reshapes) into one blocked pass over memory; cheap shared values (one tensor read)
//     are recomputed by each user rather than stored, repeated steps are computed once, and
//     GoMLX's Sign(Add(Sign(x), 1)) max indicator is one step;
//   - sums over leading axes (batch-norm statistics and gradients) of such programs into the
//     program's pass: without storing the values, or together with storing them, and several
//     sums reading the same values in one pass (multi-output fused node);
//   - ReduceMax keeping the first axis of such a program (a max-pool of a ReLU) into one pass;
//   - the gradient's ReLU mask (x > 0) into (ReLU(x) > 0), which is equal and reads a stored
//     value, so that a residual sum before a ReLU need not be stored;
//   - elementwise ops reading a broadcast single value into reading the value directly.
//
// Float32 steps of fused programs and row sums use AVX2 loops where the CPU has them, giving the
// same bits as the Go loops; large outputs of fused programs are written with non-temporal
// stores. Sums are accumulated per goroutine over a partition that depends only
// on the sizes and GOMAXPROCS and combined in a fixed order, so results are the same bits from run
// to run for a fixed thread count.
//
// Operations and dtypes it does not support fail with an error naming them, at graph-building time
// where possible. Supported dtypes: bool, int8–64, uint8–64, float32, float64.
//
// The backend registers itself under the name "cpu": import this package and call
// backends.NewWithConfig("cpu"), or use New directly.
package cpu

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// Name is the name the backend registers under.
const Name = "cpu"

func init() {
	backends.Register(Name, func(config string) (backends.Backend, error) { return New(config) })
	// OpenBLAS worker threads busy-wait for about 2^28 cycles after each product by default, which
	// on a machine with few cores takes CPU time from the Go code that runs between products. Make
	// them sleep after 2^4 cycles unless the user chose otherwise. OpenBLAS reads this when it is
	// loaded, which package blas does on first use, after this runs.
	if _, set := os.LookupEnv("OPENBLAS_THREAD_TIMEOUT"); !set {
		_ = os.Setenv("OPENBLAS_THREAD_TIMEOUT", "4")
	}
}

// Backend implements backends.Backend for the CPU.
type Backend struct {
	config    string
	workers   int
	finalized bool
	pool      bufferPool

	statsMu sync.Mutex
	stats   CompileStats // summed over the executables compiled
}

// CompileStats returns the counts of the rewrites made in all the executables compiled by b.
func (b *Backend) CompileStats() CompileStats {
	b.statsMu.Lock()
	defer b.statsMu.Unlock()
	return b.stats
}

func (b *Backend) addStats(s CompileStats) {
	b.statsMu.Lock()
	b.stats.add(s)
	b.statsMu.Unlock()
}

var _ backends.Backend = (*Backend)(nil)

// New returns a new CPU backend. The config string is ignored except for being echoed by
// Description; it exists so the backend can be created through backends.NewWithConfig.
func New(config string) (*Backend, error) {
	return &Backend{config: config, workers: runtime.GOMAXPROCS(0)}, nil
}

// Name implements backends.Backend.
func (b *Backend) Name() string { return Name }

// String implements backends.Backend.
func (b *Backend) String() string { return Name }

// Description implements backends.Backend.
func (b *Backend) Description() string {
	return fmt.Sprintf("cct CPU backend (pure Go executor, GEMM: %s, %d workers)", GemmName(), b.workers)
}

// NumDevices implements backends.Backend: one device.
func (b *Backend) NumDevices() int { return 1 }

// DeviceDescription implements backends.Backend.
func (b *Backend) DeviceDescription(deviceNum backends.DeviceNum) string {
	return fmt.Sprintf("CPU device %d", deviceNum)
}

// Capabilities implements backends.Backend.
func (b *Backend) Capabilities() backends.Capabilities {
	c := backends.Capabilities{
		Operations: make(map[backends.OpType]bool),
		DTypes:     make(map[dtypes.DType]bool),
	}
	for op := range supportedOps {
		c.Operations[op] = true
	}
	for _, dt := range supportedDTypes {
		c.DTypes[dt] = true
	}
	return c
}

// Builder implements backends.Backend.
func (b *Backend) Builder(name string) backends.Builder { return newBuilder(b, name) }

// Finalize implements backends.Backend.
func (b *Backend) Finalize() {
	b.finalized = true
	b.pool.clear()
}

// IsFinalized implements backends.Backend.
func (b *Backend) IsFinalized() bool { return b.finalized }

// Buffer is the CPU backend's buffer: a shape and a flat Go slice ([]float32, []int64, ...).
type Buffer struct {
	shape shapes.Shape
	flat  any
}

// Shape returns the buffer's shape.
func (buf *Buffer) Shape() shapes.Shape { return buf.shape }

// Flat returns the buffer's flat slice.
func (buf *Buffer) Flat() any { return buf.flat }

func asBuffer(buffer backends.Buffer) (*Buffer, error) {
	buf, ok := buffer.(*Buffer)
	if !ok || buf == nil {
		return nil, errors.Errorf("cpu backend: buffer is %T, not a cpu buffer", buffer)
	}
	if buf.flat == nil {
		return nil, errors.New("cpu backend: buffer already finalized")
	}
	return buf, nil
}

// BufferFinalize implements backends.DataInterface. Finalizing a buffer twice (or one that was
// donated to an execution and consumed) is not an error.
func (b *Backend) BufferFinalize(buffer backends.Buffer) error {
	buf, ok := buffer.(*Buffer)
	if !ok || buf == nil {
		return errors.Errorf("cpu backend: buffer is %T, not a cpu buffer", buffer)
	}
	buf.flat = nil
	return nil
}

// BufferShape implements backends.DataInterface.
func (b *Backend) BufferShape(buffer backends.Buffer) (shapes.Shape, error) {
	buf, err := asBuffer(buffer)
	if err != nil {
		return shapes.Invalid(), err
	}
	return buf.shape, nil
}

// BufferDeviceNum implements backends.DataInterface.
func (b *Backend) BufferDeviceNum(buffer backends.Buffer) (backends.DeviceNum, error) {
	if _, err := asBuffer(buffer); err != nil {
		return 0, err
	}
	return 0, nil
}

// BufferToFlatData implements backends.DataInterface.
func (b *Backend) BufferToFlatData(buffer backends.Buffer, flat any) error {
	buf, err := asBuffer(buffer)
	if err != nil {
		return err
	}
	return copyFlat(flat, buf.flat)
}

// BufferFromFlatData implements backends.DataInterface.
func (b *Backend) BufferFromFlatData(deviceNum backends.DeviceNum, flat any, shape shapes.Shape) (backends.Buffer, error) {
	if deviceNum != 0 {
		return nil, errors.Errorf("cpu backend: device %d does not exist", deviceNum)
	}
	if !isSupportedDType(shape.DType) {
		return nil, errors.Errorf("cpu backend: dtype %s not supported", shape.DType)
	}
	buf := &Buffer{shape: shape.Clone(), flat: allocFlat(shape.DType, shape.Size())}
	if err := copyFlat(buf.flat, flat); err != nil {
		return nil, err
	}
	return buf, nil
}

// HasSharedBuffers implements backends.DataInterface: buffers are plain Go slices.
func (b *Backend) HasSharedBuffers() bool { return true }

// NewSharedBuffer implements backends.DataInterface.
func (b *Backend) NewSharedBuffer(deviceNum backends.DeviceNum, shape shapes.Shape) (backends.Buffer, any, error) {
	if deviceNum != 0 {
		return nil, nil, errors.Errorf("cpu backend: device %d does not exist", deviceNum)
	}
	if !isSupportedDType(shape.DType) {
		return nil, nil, errors.Errorf("cpu backend: dtype %s not supported", shape.DType)
	}
	buf := &Buffer{shape: shape.Clone(), flat: allocFlat(shape.DType, shape.Size())}
	return buf, buf.flat, nil
}

// BufferData implements backends.DataInterface.
func (b *Backend) BufferData(buffer backends.Buffer) (any, error) {
	buf, err := asBuffer(buffer)
	if err != nil {
		return nil, err
	}
	return buf.flat, nil
}

// BufferCopyToDevice implements backends.DataInterface.
func (b *Backend) BufferCopyToDevice(source backends.Buffer, deviceNum backends.DeviceNum) (backends.Buffer, error) {
	buf, err := asBuffer(source)
	if err != nil {
		return nil, err
	}
	return b.BufferFromFlatData(deviceNum, buf.flat, buf.shape)
}

// supportedDTypes lists the dtypes the executors handle.
var supportedDTypes = []dtypes.DType{
	dtypes.Bool, dtypes.Int8, dtypes.Int16, dtypes.Int32, dtypes.Int64,
	dtypes.Uint8, dtypes.Uint16, dtypes.Uint32, dtypes.Uint64, dtypes.Float32, dtypes.Float64,
}

func isSupportedDType(dt dtypes.DType) bool {
	for _, d := range supportedDTypes {
		if d == dt {
			return true
		}
	}
	return false
}

// flatTypes are the Go slice types of the supported dtypes.
var flatTypes = map[dtypes.DType]reflect.Type{
	dtypes.Bool: reflect.TypeFor[[]bool](), dtypes.Int8: reflect.TypeFor[[]int8](),
	dtypes.Int16: reflect.TypeFor[[]int16](), dtypes.Int32: reflect.TypeFor[[]int32](),
	dtypes.Int64: reflect.TypeFor[[]int64](), dtypes.Uint8: reflect.TypeFor[[]uint8](),
	dtypes.Uint16: reflect.TypeFor[[]uint16](), dtypes.Uint32: reflect.TypeFor[[]uint32](),
	dtypes.Uint64: reflect.TypeFor[[]uint64](), dtypes.Float32: reflect.TypeFor[[]float32](),
	dtypes.Float64: reflect.TypeFor[[]float64](),
}

// isFlat reports whether flat is a slice of a supported dtype.
func isFlat(flat any) bool {
	t := reflect.TypeOf(flat)
	return t != nil && t.Kind() == reflect.Slice && flatTypes[dtypes.FromGoType(t.Elem())] == t
}

// allocFlat returns a zeroed slice of the Go type of dt.
func allocFlat(dt dtypes.DType, n int) any {
	t, ok := flatTypes[dt]
	if !ok {
		panic(errors.Errorf("cpu backend: dtype %s not supported", dt))
	}
	return reflect.MakeSlice(t, n, n).Interface()
}

// flatLen returns the length of a flat slice, or −1 if flat is not one.
func flatLen(flat any) int {
	if !isFlat(flat) {
		return -1
	}
	return reflect.ValueOf(flat).Len()
}

// copyFlat copies src into dst; both must be slices of the same type and length.
func copyFlat(dst, src any) error {
	if !isFlat(src) {
		return errors.Errorf("cpu backend: unsupported flat type %T", src)
	}
	d, s := reflect.ValueOf(dst), reflect.ValueOf(src)
	if !d.IsValid() || d.Type() != s.Type() {
		return errors.Errorf("cpu backend: cannot copy %T into %T", src, dst)
	}
	if d.Len() != s.Len() {
		return errors.Errorf("cpu backend: cannot copy %d values into a slice of length %d", s.Len(), d.Len())
	}
	reflect.Copy(d, s)
	return nil
}

// bufferPool keeps released intermediate slices for reuse, keyed by dtype and length.
type bufferPool struct {
	mu    sync.Mutex
	free  map[poolKey][]any
	bytes int64
}

type poolKey struct {
	dt dtypes.DType
	n  int
}

// maxPoolBytes bounds the memory kept in the pool.
const maxPoolBytes = 1 << 30

func (p *bufferPool) get(dt dtypes.DType, n int) any {
	p.mu.Lock()
	k := poolKey{dt, n}
	if l := p.free[k]; len(l) > 0 {
		f := l[len(l)-1]
		p.free[k] = l[:len(l)-1]
		p.bytes -= int64(n) * int64(dt.Size())
		p.mu.Unlock()
		return f
	}
	p.mu.Unlock()
	return allocFlat(dt, n)
}

func (p *bufferPool) put(dt dtypes.DType, flat any) {
	n := flatLen(flat)
	if n <= 0 {
		return
	}
	sz := int64(n) * int64(dt.Size())
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes+sz > maxPoolBytes {
		return
	}
	if p.free == nil {
		p.free = make(map[poolKey][]any)
	}
	k := poolKey{dt, n}
	p.free[k] = append(p.free[k], flat)
	p.bytes += sz
}

func (p *bufferPool) clear() {
	p.mu.Lock()
	p.free = nil
	p.bytes = 0
	p.mu.Unlock()
}

// newBuf returns a buffer of the given shape whose contents are undefined (possibly reused memory).
func (b *Backend) newBuf(shape shapes.Shape) *Buffer {
	return &Buffer{shape: shape, flat: b.pool.get(shape.DType, shape.Size())}
}

// newZeroBuf returns a zero-filled buffer of the given shape.
func (b *Backend) newZeroBuf(shape shapes.Shape) *Buffer {
	buf := b.newBuf(shape)
	clearFlat(buf.flat)
	return buf
}

// release returns a buffer's memory to the pool.
func (b *Backend) release(buf *Buffer) {
	if buf == nil || buf.flat == nil {
		return
	}
	b.pool.put(buf.shape.DType, buf.flat)
	buf.flat = nil
}

func clearFlat(flat any) {
	switch f := flat.(type) {
	case []bool:
		clear(f)
	case []int8:
		clear(f)
	case []int16:
		clear(f)
	case []int32:
		clear(f)
	case []int64:
		clear(f)
	case []uint8:
		clear(f)
	case []uint16:
		clear(f)
	case []uint32:
		clear(f)
	case []uint64:
		clear(f)
	case []float32:
		clear(f)
	case []float64:
		clear(f)
	}
}
