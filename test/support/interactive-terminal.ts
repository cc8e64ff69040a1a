// Imported first by tests that render Ink: Ink draws only the final frame when it believes it runs
// in CI (CI=true, as CI sets it), and these tests look at every frame a user would see.
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
