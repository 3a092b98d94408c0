import '../../local/polyfills';

// Node.js 20 is what these machines have; the SDK's notice about a future minimum is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The local stack's functions log every step at INFO; tests show only what went wrong (tests about logs pass
// their own LOG_LEVEL).
process.env.LOG_LEVEL ??= 'WARN';
