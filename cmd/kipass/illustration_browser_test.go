package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserModuleIllustrations opens every module in German and English
// at phone and desktop width: each shows its illustration, loaded
// (naturalWidth > 0), with alt text, inside the viewport and the column.
func TestBrowserModuleIllustrations(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir())
	modules := []string{"daten-und-ki", "dsgvo-grundlagen", "vertrauen-und-transparenz", "bias-und-diskriminierung",
		"privacy-by-design", "datenqualitaet-und-audits", "eu-ai-act", "verantwortung-im-alltag"}
	for _, width := range []int64{375, 1280} {
		must(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)))
		for _, m := range modules {
			for _, lang := range []string{"de", "en"} {
				must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/courses/ki-am-arbeitsplatz/"+m+"?lang="+lang),
					chromedp.WaitVisible(chromedp.CSS(`figure.illustration img`))))
				// loading="lazy": scroll it into view so it loads.
				_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector("figure.illustration img").scrollIntoView({block: "center"}), true)`))
				must(t, err)
				poll(ctx, t, `(() => { const i = document.querySelector("figure.illustration img"); return i.complete && i.naturalWidth > 0 })()`)
				ok, err2 := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
					const i = document.querySelector("figure.illustration img"), r = i.getBoundingClientRect();
					if (!i.alt.trim()) return "no alt text";
					if (!i.src.includes(".%s.svg")) return "wrong language: " + i.src;
					if (r.width < 200 || r.left < 0 || r.right > document.documentElement.clientWidth) return "does not fit: " + r.left + "-" + r.right;
					if (Math.abs(r.height / r.width - i.naturalHeight / i.naturalWidth) > 0.02) return "distorted";
					if (document.documentElement.scrollWidth > document.documentElement.clientWidth) return "page wider than the viewport";
					return "";
				})()`, lang)))
				must(t, err2)
				if ok != "" {
					t.Errorf("%s (%s, %d px): %s", m, lang, width, ok)
				}
				if m == "eu-ai-act" || m == "dsgvo-grundlagen" {
					screenshot(ctx, t, fmt.Sprintf("illustration-%s-%s-%d", m, lang, width))
				}
			}
		}
	}
}
