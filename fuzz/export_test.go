package fuzz

import "pgregory.net/rapid"

// CheckOnce runs prop under rapid.Check as a campaign starts a shrink:
// with the campaign's rapid settings and seed.
func CheckOnce(seed uint64, prop func(*rapid.T)) {
	rapidMu.Lock()
	defer rapidMu.Unlock()
	restore, err := setRapidFlags(&Campaign{})
	if err != nil {
		panic(err)
	}
	defer restore()
	if err := setRapidSeed(seed); err != nil {
		panic(err)
	}
	rapid.Check(&campaignTB{}, prop)
}
