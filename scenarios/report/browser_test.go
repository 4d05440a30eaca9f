package report

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRendersInHeadlessChromium opens the report of fixture histories in
// headless Chromium and checks the screenshot is a real picture, not a blank
// page. It skips without Chromium unless HAHARNESS_REQUIRE_BROWSER is set.
// With HAHARNESS_SCREENSHOT_DIR set, the screenshots are copied there as
// screenshot-<fixture>.png (how testdata/screenshot-clean-failover.png is
// made).
func TestRendersInHeadlessChromium(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("HAHARNESS_REQUIRE_BROWSER") != "" {
			require.FailNow(t, "find chromium: neither chromium nor chromium-browser is on PATH, and HAHARNESS_REQUIRE_BROWSER is set")
		}
		t.Skip("chromium not on PATH; set HAHARNESS_REQUIRE_BROWSER to make this a failure")
	}

	for _, fixture := range []string{"clean-failover", "clean-failover-audit", "split-brain"} {
		t.Run(fixture, func(t *testing.T) {
			h := loadFixture(t, fixture)
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			require.NoError(t, WriteFile(page, h, checks(h)))
			shot := filepath.Join(dir, "shot.png")
			ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
				"--hide-scrollbars", "--screenshot="+shot, "--window-size=1400,900", "file://"+page)
			cmd.Env = append(os.Environ(), "HOME="+dir) // chromium wants a writable profile
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "run %s:\n%s", bin, out)

			f, err := os.Open(shot)
			require.NoError(t, err, "open screenshot")
			defer f.Close()
			img, err := png.Decode(f)
			require.NoError(t, err, "decode screenshot")
			b := img.Bounds()
			assert.Equal(t, 1400, b.Dx(), "screenshot width")
			assert.Equal(t, 900, b.Dy(), "screenshot height")
			colours := map[[4]uint32]bool{}
			for y := b.Min.Y; y < b.Max.Y; y += 2 {
				for x := b.Min.X; x < b.Max.X; x += 2 {
					r, g, bl, a := img.At(x, y).RGBA()
					colours[[4]uint32{r, g, bl, a}] = true
				}
			}
			assert.Greater(t, len(colours), 10, "distinct colours in the screenshot: the page rendered blank")

			if out := os.Getenv("HAHARNESS_SCREENSHOT_DIR"); out != "" {
				b, err := os.ReadFile(shot)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(out, "screenshot-"+fixture+".png"), b, 0o644))
			}
		})
	}
}
