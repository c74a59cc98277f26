//go:build !race

package webadapter

const raceEnabled = false
