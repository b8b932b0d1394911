package data

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress counts bytes as they are written to it and reports them.
type Progress interface {
	io.Writer
	Finish()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// NewProgress reports the progress of a transfer of total bytes (-1 if unknown) to out: a progress
// bar on a terminal, plain lines at every 10% (or every 64 MiB when the total is unknown)
// otherwise, nothing when out is nil.
func NewProgress(out io.Writer, desc string, total int64) Progress {
	switch {
	case out == nil:
		return nopProgress{}
	case isTerminal(out):
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowCount(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
		)
		return &barProgress{bar}
	}
	return &lineProgress{out: out, desc: desc, total: total}
}

type nopProgress struct{}

func (nopProgress) Write(p []byte) (int, error) { return len(p), nil }
func (nopProgress) Finish()                     {}

type barProgress struct{ bar *progressbar.ProgressBar }

func (b *barProgress) Write(p []byte) (int, error) { return b.bar.Write(p) }
func (b *barProgress) Finish()                     { _ = b.bar.Finish() }

// lineProgress prints one line per step of progress.
type lineProgress struct {
	out         io.Writer
	desc        string
	total, done int64
	next        int64 // the byte count at which the next line is printed
}

func (l *lineProgress) step() int64 {
	if l.total > 0 {
		return max(l.total/10, 1)
	}
	return 64 << 20
}

func (l *lineProgress) Write(p []byte) (int, error) {
	if l.next == 0 {
		l.next = l.step()
	}
	l.done += int64(len(p))
	if l.done >= l.next && (l.total <= 0 || l.done < l.total) {
		if l.total > 0 {
			fmt.Fprintf(l.out, "%s: %3d%% (%s of %s)\n", l.desc, l.done*100/l.total, mib(l.done), mib(l.total))
		} else {
			fmt.Fprintf(l.out, "%s: %s\n", l.desc, mib(l.done))
		}
		for l.next <= l.done {
			l.next += l.step()
		}
	}
	return len(p), nil
}

func (l *lineProgress) Finish() { fmt.Fprintf(l.out, "%s: done (%s)\n", l.desc, mib(l.done)) }

// mib formats a byte count in MiB, or KiB below 1 MiB.
func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
