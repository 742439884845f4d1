// Runs before each test file. Kept small on purpose: state belongs to the helpers a test calls.
jest.setTimeout(60_000);
