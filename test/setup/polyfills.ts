import '../../local/polyfills';

// Node.js 20 is what these machines have; the SDK's notice about a future minimum is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
