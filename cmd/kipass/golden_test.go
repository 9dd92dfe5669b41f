package main

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// The first screen of the pages where layout matters, at phone and desktop
// width, in both languages, compared with golden images. The comparison is
// coarse on purpose: the screenshots are reduced to grey blocks of 4x4
// pixels, and a block counts as changed when its grey level moved by more
// than goldenLevel. A few changed blocks (a date, a clock, anti-aliasing)
// pass; a broken layout (a missing style sheet, a column that wrapped, a
// heading pushed off the first screen, an overflowing table) changes many.
//
// After an intended change: KIPASS_UPDATE_GOLDEN=1 go test ./cmd/kipass
// -run TestBrowserPagesLookAsDesigned, then look at the new images in
// cmd/kipass/testdata/pages.
func TestBrowserPagesLookAsDesigned(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir())
	if code, b := apiCall(t, "POST", s.url+"/api/v1/register", "", map[string]string{"name": "Erika Mustermann", "email": "erika@example.com", "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register: %d %s", code, b)
	}
	type page struct {
		name, path string
		width      int64
		wait       string
	}
	anonymous := []page{
		{"home-de-375", "/?lang=de", 375, `main h1`},
		{"home-en-1280", "/?lang=en", 1280, `main h1`},
		{"login-de-375", "/login?lang=de", 375, `#f-email`},
		{"module-de-375", "/courses/ki-am-arbeitsplatz/eu-ai-act?lang=de", 375, `article.module h1`},
		{"module-en-1280", "/courses/ki-am-arbeitsplatz/eu-ai-act?lang=en", 1280, `article.module h1`},
		{"verify-en-375", "/verify?lang=en", 375, `main h1`},
	}
	learner := []page{
		{"dashboard-de-375", "/?lang=de", 375, `.hero h1`},
		{"dashboard-en-1280", "/?lang=en", 1280, `.hero h1`},
		{"course-de-1280", "/courses/ki-am-arbeitsplatz?lang=de", 1280, `main h1`},
	}
	shoot := func(p page) {
		t.Helper()
		must(t, chromedp.Do(ctx,
			chromedp.EmulateViewport(p.width, 800),
			chromedp.Navigate(s.url+p.path),
			chromedp.WaitVisible(chromedp.CSS(p.wait)),
		))
		poll(ctx, t, `document.readyState === "complete"`)
		// No caret blinking in a focused field; the fonts are in.
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.activeElement && document.activeElement.blur(), true)`))
		must(t, err)
		poll(ctx, t, `document.fonts.status === "loaded"`)
		got, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		must(t, err)
		compareGolden(t, p.name, got)
	}
	for _, p := range anonymous {
		shoot(p)
	}
	browserLogin(ctx, t, s.url, "erika@example.com", `.hero h1`)
	for _, p := range learner {
		shoot(p)
	}
}

// Tolerances of compareGolden: a block's grey level may move by
// goldenLevel, and goldenBlocks of the blocks may move more.
const (
	goldenBlock  = 4
	goldenLevel  = 40
	goldenBlocks = 0.02
)

// compareGolden compares a screenshot with testdata/pages/NAME.png, or
// writes it there with KIPASS_UPDATE_GOLDEN=1. On a mismatch the new image
// is kept beside the test's output for a person to look at.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", "pages", name+".png")
	if os.Getenv("KIPASS_UPDATE_GOLDEN") == "1" {
		must(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		must(t, os.WriteFile(golden, got, 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (KIPASS_UPDATE_GOLDEN=1 creates it)", err)
	}
	changed, total, err := blockDiff(got, want)
	if err == nil && float64(changed) <= goldenBlocks*float64(total) {
		return
	}
	keep := filepath.Join(cmp.Or(os.Getenv("KIPASS_SCREENSHOTS"), t.TempDir()), "golden-"+name+".png")
	os.WriteFile(keep, got, 0o644)
	if err != nil {
		t.Errorf("%s: %v (new image: %s)", name, err, keep)
		return
	}
	t.Errorf("%s: %d of %d blocks differ from the golden image (at most %.0f%% may); new image: %s",
		name, changed, total, goldenBlocks*100, keep)
}

// blockDiff reduces both PNGs to grey blocks and counts the blocks whose
// mean grey level differs by more than goldenLevel.
func blockDiff(a, b []byte) (changed, total int, err error) {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return 0, 0, err
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	if ia.Bounds().Size() != ib.Bounds().Size() {
		return 0, 0, fmt.Errorf("image size %v, golden %v", ia.Bounds().Size(), ib.Bounds().Size())
	}
	ga, gb := greyBlocks(ia), greyBlocks(ib)
	for i := range ga {
		if d := ga[i] - gb[i]; d > goldenLevel || d < -goldenLevel {
			changed++
		}
	}
	return changed, len(ga), nil
}

func greyBlocks(img image.Image) []int {
	r := img.Bounds()
	var out []int
	for y := r.Min.Y; y+goldenBlock <= r.Max.Y; y += goldenBlock {
		for x := r.Min.X; x+goldenBlock <= r.Max.X; x += goldenBlock {
			sum := 0
			for dy := range goldenBlock {
				for dx := range goldenBlock {
					sum += int(color.GrayModel.Convert(img.At(x+dx, y+dy)).(color.Gray).Y)
				}
			}
			out = append(out, sum/(goldenBlock*goldenBlock))
		}
	}
	return out
}
