package train

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/cct-dev/cct/internal/fsutil"
)

// writeFileAtomic writes data to path through a temporary file in the same folder renamed over
// path, so that a reader (or a run killed at any moment) sees the old or the new content, never a
// part.
func writeFileAtomic(path string, data []byte) error {
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeJSONAtomic writes v as indented JSON, atomically.
func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}
