package resnet50

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// ProgressBar returns an Options.Progress callback that reports images done to out: a bar with
// images/s and the time left on a terminal, otherwise a line at every 10% with the same figures.
// finish prints the final rate (images/s over the whole run); call it when the run ends.
func ProgressBar(out io.Writer, desc string) (progress func(done, total int), finish func()) {
	start := time.Now()
	var bar *progressbar.ProgressBar
	last, lastDone := -1, 0
	terminal := false
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			terminal = true
		}
	}
	progress = func(done, total int) {
		lastDone = done
		if out == nil {
			return
		}
		if terminal {
			if bar == nil {
				bar = progressbar.NewOptions(total,
					progressbar.OptionSetWriter(out),
					progressbar.OptionSetDescription(desc),
					progressbar.OptionSetWidth(30),
					progressbar.OptionShowCount(),
					progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("img"),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionThrottle(200*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
				)
			}
			_ = bar.Set(done)
			return
		}
		step := done * 10 / max(total, 1)
		if step == last {
			return
		}
		last = step
		el := time.Since(start).Seconds()
		rate := float64(done) / el
		eta := time.Duration(float64(total-done)/rate) * time.Second
		fmt.Fprintf(out, "%s: %d/%d images (%d%%), %.1f images/s, ETA %s\n", desc, done, total, done*100/max(total, 1), rate, eta.Round(time.Second))
	}
	finish = func() {
		if bar != nil {
			_ = bar.Finish()
		}
		if out != nil {
			el := time.Since(start)
			fmt.Fprintf(out, "%s: %d images in %s (%.2f images/s)\n", desc, lastDone, el.Round(100*time.Millisecond), float64(lastDone)/el.Seconds())
		}
	}
	return progress, finish
}
