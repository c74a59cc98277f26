package bridge

// RetirementFor is the retirement policy, for its table test.
var RetirementFor = retirementFor
