//go:build race

package reports

// raceDetector is set when the tests run with -race, which multiplies
// memory and time: the tests that measure them skip their limits then.
const raceDetector = true
