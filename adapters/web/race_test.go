//go:build race

package webadapter

// raceEnabled: the race detector makes every socket several times dearer, so
// the load tests run smaller under it (and say so).
const raceEnabled = true
