package train

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports training progress: a progress bar with loss, images/s and ETA on a terminal,
// plain lines (at most one every plainEvery, and one at the end of each epoch) otherwise, nothing
// when quiet.
type progress struct {
	w       io.Writer
	quiet   bool
	bar     *progressbar.ProgressBar
	total   int // batches in the epoch
	done    int
	images  int
	start   time.Time
	last    time.Time
	label   string
	lossSum float64
}

const plainEvery = 10 * time.Second

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer, quiet bool, label string, batches int) *progress {
	p := &progress{w: w, quiet: quiet, total: batches, start: time.Now(), last: time.Now(), label: label}
	if !quiet && isTerminal(w) {
		p.bar = progressbar.NewOptions(batches,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionSetWidth(24),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// step records one batch of n images with its loss.
func (p *progress) step(n int, loss float64) {
	p.done++
	p.images += n
	p.lossSum += loss
	if p.quiet {
		return
	}
	ips := float64(p.images) / time.Since(p.start).Seconds()
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("%s loss %.4f %.0f img/s", p.label, loss, ips))
		_ = p.bar.Add(1)
		return
	}
	if time.Since(p.last) >= plainEvery {
		p.last = time.Now()
		eta := time.Duration(float64(time.Since(p.start)) / float64(p.done) * float64(p.total-p.done))
		fmt.Fprintf(p.w, "%s batch %d/%d loss %.4f %.0f img/s ETA %s\n", p.label, p.done, p.total, loss, ips, eta.Round(time.Second))
	}
}

// finish closes the bar and returns the mean loss and images/s of the epoch.
func (p *progress) finish() (meanLoss, imagesPerSec float64) {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
	if p.done > 0 {
		meanLoss = p.lossSum / float64(p.done)
	}
	if s := time.Since(p.start).Seconds(); s > 0 {
		imagesPerSec = float64(p.images) / s
	}
	return meanLoss, imagesPerSec
}
