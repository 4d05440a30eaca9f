package report

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
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
			t.Fatal("find chromium: neither chromium nor chromium-browser is on PATH, and HAHARNESS_REQUIRE_BROWSER is set")
		}
		t.Skip("chromium not on PATH; set HAHARNESS_REQUIRE_BROWSER to make this a failure")
	}

	for _, fixture := range []string{"clean-failover", "split-brain"} {
		t.Run(fixture, func(t *testing.T) {
			h := loadFixture(t, fixture)
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			if err := WriteFile(page, h, checks(h)); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, "shot.png")
			ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
				"--hide-scrollbars", "--screenshot="+shot, "--window-size=1400,900", "file://"+page)
			cmd.Env = append(os.Environ(), "HOME="+dir) // chromium wants a writable profile
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("run %s: %v\n%s", bin, err, out)
			}

			f, err := os.Open(shot)
			if err != nil {
				t.Fatalf("open screenshot: %v", err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("decode screenshot: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 1400 || b.Dy() != 900 {
				t.Errorf("screenshot is %dx%d, want 1400x900", b.Dx(), b.Dy())
			}
			colours := map[[4]uint32]bool{}
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y += 2 {
				for x := b.Min.X; x < b.Max.X; x += 2 {
					r, g, bl, a := img.At(x, y).RGBA()
					colours[[4]uint32{r, g, bl, a}] = true
				}
			}
			if len(colours) <= 10 {
				t.Errorf("screenshot has %d distinct colours, want more than 10: the page rendered blank", len(colours))
			}

			if out := os.Getenv("HAHARNESS_SCREENSHOT_DIR"); out != "" {
				b, err := os.ReadFile(shot)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(out, "screenshot-"+fixture+".png"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
