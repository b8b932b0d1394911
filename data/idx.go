package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// maxIDXBytes bounds the body size an IDX header may announce (16 GiB), so that a corrupt header
// cannot make the reader allocate without limit or overflow the size computation.
const maxIDXBytes = 1 << 34

// defaultPrealloc is the largest body the IDX reader allocates before it has seen the bytes; larger
// bodies grow as they are read, so a lying header costs at most this much memory.
const defaultPrealloc = 64 << 20

// idxHeader reads the header of an IDX file of unsigned bytes: the magic 0x00 0x00 0x08 ndim, then
// ndim big-endian uint32 dimensions. It checks that there are wantDims dimensions and returns them.
func idxHeader(r io.Reader, file string, wantDims int) ([]int, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("%s: truncated IDX header (%v)", file, shortErr(err))
	}
	if magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 {
		return nil, fmt.Errorf("%s: bad IDX magic % x, expected 00 00 08 0%d (unsigned bytes, %d dimensions)",
			file, magic[:], wantDims, wantDims)
	}
	if int(magic[3]) != wantDims {
		return nil, fmt.Errorf("%s: IDX file has %d dimensions, expected %d", file, magic[3], wantDims)
	}
	dims := make([]int, wantDims)
	total := int64(1)
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: truncated IDX header (%v)", file, shortErr(err))
		}
		dims[i] = int(binary.BigEndian.Uint32(b[:]))
		if dims[i] > 0 && total > maxIDXBytes/int64(dims[i]) {
			return nil, fmt.Errorf("%s: IDX dimensions %v announce more than %d bytes", file, dims[:i+1], int64(maxIDXBytes))
		}
		total *= int64(dims[i])
	}
	return dims, nil
}

// readIDX reads an IDX file of unsigned bytes (see idxHeader) with wantDims dimensions and returns
// the dimensions and the body, the product of the dimensions bytes in row-major order. The body
// must be followed by the end of the stream. At most prealloc bytes are allocated ahead of reading.
func readIDX(r io.Reader, file string, wantDims, prealloc int) ([]int, []byte, error) {
	dims, err := idxHeader(r, file, wantDims)
	if err != nil {
		return nil, nil, err
	}
	total := 1
	for _, d := range dims {
		total *= d
	}
	body := make([]byte, min(total, prealloc))
	n, err := io.ReadFull(r, body)
	for err == nil && len(body) < total {
		old := len(body)
		body = append(body, make([]byte, min(total-old, old+1))...)
		var m int
		m, err = io.ReadFull(r, body[old:])
		n += m
	}
	if err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return nil, nil, fmt.Errorf("%s: truncated: IDX header %v announces %d bytes of data, found %d",
				file, dims, total, n)
		}
		return nil, nil, fmt.Errorf("%s: corrupt data after %d bytes (%v)", file, n, shortErr(err))
	}
	if err := expectEOF(r, file, fmt.Sprintf("the %d bytes announced by the IDX header %v", total, dims)); err != nil {
		return nil, nil, err
	}
	return dims, body, nil
}

// expectEOF checks that r has nothing left. Reading to the end also makes a gzip reader verify its
// checksum.
func expectEOF(r io.Reader, file, what string) error {
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	switch {
	case n > 0:
		return fmt.Errorf("%s: unexpected data after %s", file, what)
	case err != io.EOF:
		return fmt.Errorf("%s: corrupt data after %s (%v)", file, what, shortErr(err))
	}
	return nil
}

// openMaybeGzip opens path and returns a reader of its content, gunzipped when the file starts with
// the gzip magic bytes 1f 8b. close releases the file.
func openMaybeGzip(path string) (r io.Reader, close func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: corrupt gzip header (%v)", path, shortErr(err))
		}
		return zr, func() { f.Close() }, nil
	}
	return br, func() { f.Close() }, nil
}

// shortErr returns err's message on one line.
func shortErr(err error) string {
	s := err.Error()
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
