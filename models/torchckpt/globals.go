package torchckpt

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/nlpodyssey/gopickle/types"
)

// storageClasses maps the storage classes torch.save names to the element type they hold.
var storageClasses = map[string]DType{
	"FloatStorage": Float32, "HalfStorage": Float16, "BFloat16Storage": BFloat16, "DoubleStorage": Float64,
	"LongStorage": Int64, "IntStorage": Int32, "ShortStorage": Int16, "CharStorage": Int8,
	"ByteStorage": Uint8, "BoolStorage": Bool,
}

// allowed lists the Python globals a checkpoint may name besides the torch storage classes: the ones
// that rebuild tensors, the plain containers, and the inert pieces of a pickled numpy scalar. None of
// them runs code here: each is a Go function that builds a value.
var allowed = map[string]func() any{
	"collections.OrderedDict":                    func() any { return &types.OrderedDictClass{} },
	"builtins.dict":                              func() any { return &types.Dict{} },
	"builtins.list":                              func() any { return &types.List{} },
	"torch._utils._rebuild_tensor":               func() any { return rebuildTensor{v2: false} },
	"torch._utils._rebuild_tensor_v2":            func() any { return rebuildTensor{v2: true} },
	"torch._utils._rebuild_parameter":            func() any { return rebuildParameter{} },
	"torch._utils._rebuild_parameter_with_state": func() any { return rebuildParameter{} },
	"_codecs.encode":                             func() any { return codecsEncode{} },
	"numpy.dtype":                                func() any { return numpyDtypeClass{} },
	"numpy.core.multiarray.scalar":               func() any { return numpyScalar{} },
	"numpy._core.multiarray.scalar":              func() any { return numpyScalar{} },
}

// allowedGlobal returns nil if module.name may appear in a checkpoint, else a one-line error.
func allowedGlobal(module, name string) error {
	full := module + "." + name
	if _, ok := allowed[full]; ok {
		return nil
	}
	if _, ok := storageClasses[name]; ok && module == "torch" {
		return nil
	}
	return fmt.Errorf("the pickle names the Python global %s, which is not a tensor or a plain container; "+
		"save the weights with torch.save(model.state_dict(), FILE) instead of the whole object", quoteGlobal(full))
}

func quoteGlobal(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// findClass resolves an allowed global to the Go value that stands for it.
func findClass(module, name string) (any, error) {
	if err := allowedGlobal(module, name); err != nil {
		return nil, err
	}
	if dt, ok := storageClasses[name]; ok && module == "torch" {
		return storageClass{dtype: dt}, nil
	}
	return allowed[module+"."+name](), nil
}

// allowedNames lists the allowed globals, for documentation and tests.
func allowedNames() []string {
	var out []string
	for k := range allowed {
		out = append(out, k)
	}
	for k := range storageClasses {
		out = append(out, "torch."+k)
	}
	sort.Strings(out)
	return out
}

// storageClass stands for torch.FloatStorage and its siblings in a persistent id.
type storageClass struct{ dtype DType }

// rebuildTensor is torch._utils._rebuild_tensor(storage, offset, size, stride) and
// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]).
type rebuildTensor struct{ v2 bool }

func (r rebuildTensor) Call(args ...any) (any, error) {
	if len(args) < 4 || (r.v2 && len(args) != 6 && len(args) != 7) {
		return nil, fmt.Errorf("tensor rebuild with %d arguments", len(args))
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("tensor rebuild: first argument is %T, not a storage", args[0])
	}
	offset, ok := args[1].(int)
	if !ok || offset < 0 {
		return nil, fmt.Errorf("tensor rebuild: bad storage offset %v", args[1])
	}
	size, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("tensor rebuild: size: %v", err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("tensor rebuild: stride: %v", err)
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("tensor rebuild: size %v and stride %v differ in rank", size, stride)
	}
	t := &Tensor{DType: st.dtype, Shape: size, Stride: stride, Offset: offset, st: st}
	// The largest element index must lie inside the storage.
	last, n := offset, 1
	for i, d := range size {
		if d < 0 || stride[i] < 0 {
			return nil, fmt.Errorf("tensor rebuild: negative size %v or stride %v", size, stride)
		}
		if d > 0 && stride[i] > 0 && d-1 > (math.MaxInt32-last)/stride[i] {
			return nil, fmt.Errorf("tensor rebuild: size %v with stride %v overflows", size, stride)
		}
		if d == 0 {
			n = 0
		} else {
			last += (d - 1) * stride[i]
		}
		if n > 0 && d > math.MaxInt32/n {
			return nil, fmt.Errorf("tensor rebuild: size %v too large", size)
		}
		n *= d
	}
	if n > st.numel {
		return nil, fmt.Errorf("tensor of shape %v has more elements than its storage of %d (expanded views are not supported)", size, st.numel)
	}
	if n > 0 && last >= st.numel {
		return nil, fmt.Errorf("tensor of shape %v (offset %d, stride %v) runs past its storage of %d elements", size, offset, stride, st.numel)
	}
	return t, nil
}

func intTuple(v any) ([]int, error) {
	var items []any
	switch x := v.(type) {
	case *types.Tuple:
		items = *x
	case *types.List:
		items = *x
	default:
		return nil, fmt.Errorf("want a tuple of integers, got %T", v)
	}
	out := make([]int, len(items))
	for i, e := range items {
		n, ok := e.(int)
		if !ok {
			return nil, fmt.Errorf("want a tuple of integers, element %d is %T", i, e)
		}
		out[i] = n
	}
	return out, nil
}

// rebuildParameter is torch._utils._rebuild_parameter(data, requires_grad, backward_hooks): the
// parameter's tensor.
type rebuildParameter struct{}

func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("parameter rebuild without arguments")
	}
	t, ok := args[0].(*Tensor)
	if !ok {
		return nil, fmt.Errorf("parameter rebuild: data is %T, not a tensor", args[0])
	}
	return t, nil
}

// codecsEncode is _codecs.encode(text, "latin1"), which protocol-2 pickles use for bytes objects.
type codecsEncode struct{}

func (codecsEncode) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("_codecs.encode with %d arguments", len(args))
	}
	s, ok1 := args[0].(string)
	enc, ok2 := args[1].(string)
	if !ok1 || !ok2 || (enc != "latin1" && enc != "latin-1") {
		return nil, fmt.Errorf("_codecs.encode: only latin1 text is supported")
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return nil, fmt.Errorf("_codecs.encode: character outside latin1")
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// numpyDtypeClass is numpy.dtype(code, align, copy); the dtype's pickled state is ignored except
// for its byte order.
type numpyDtypeClass struct{}

type numpyDtype struct {
	code  string
	order string
}

func (numpyDtypeClass) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("numpy.dtype without arguments")
	}
	code, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("numpy.dtype: code is %T", args[0])
	}
	return &numpyDtype{code: code, order: "<"}, nil
}

func (d *numpyDtype) PySetState(state any) error {
	if t, ok := state.(*types.Tuple); ok && t.Len() > 1 {
		if s, ok := t.Get(1).(string); ok {
			d.order = s
		}
	}
	return nil
}

// numpyScalar is numpy.core.multiarray.scalar(dtype, bytes): a numpy integer or float becomes a Go
// int or float64 (SCAN stores the index of its best head as a numpy integer).
type numpyScalar struct{}

func (numpyScalar) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("numpy scalar with %d arguments", len(args))
	}
	d, ok := args[0].(*numpyDtype)
	if !ok {
		return nil, fmt.Errorf("numpy scalar: dtype is %T", args[0])
	}
	var raw []byte
	switch b := args[1].(type) {
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		return nil, fmt.Errorf("numpy scalar: data is %T", args[1])
	}
	if d.order == ">" {
		return nil, fmt.Errorf("numpy scalar: big-endian data")
	}
	code := strings.TrimLeft(d.code, "<=|")
	dt, ok := map[string]DType{"i8": Int64, "i4": Int32, "i2": Int16, "i1": Int8, "u1": Uint8, "b1": Bool,
		"f8": Float64, "f4": Float32, "f2": Float16}[code]
	if !ok {
		return nil, fmt.Errorf("numpy scalar of dtype %q not supported", d.code)
	}
	if len(raw) != dt.Size() {
		return nil, fmt.Errorf("numpy scalar of dtype %q holds %d bytes", d.code, len(raw))
	}
	if dt.IsFloat() {
		return float64(decodeFloat(dt, raw)), nil
	}
	return int(decodeInt(dt, raw)), nil
}
