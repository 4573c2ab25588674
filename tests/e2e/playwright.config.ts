import { defineConfig } from '@playwright/test';

const stateDir = process.env[ 'EPIPE_STATE_DIR' ] ?? '';
const baseURL = process.env[ 'EPIPE_WP_URL' ] ?? 'http://127.0.0.1:18080';

export default defineConfig( {
	testDir: './specs',
	timeout: 60_000,
	workers: 1,
	retries: 0,
	reporter: [ [ 'list' ] ],
	// Without a state directory, Playwright's default (test-results/).
	...( stateDir ? { outputDir: `${ stateDir }/playwright` } : {} ),
	use: {
		baseURL,
		browserName: 'chromium',
		headless: true,
		screenshot: 'only-on-failure',
		trace: 'retain-on-failure',
		launchOptions: {
			// Debian's Chromium: Playwright never downloads a browser here.
			executablePath:
				process.env[ 'CHROMIUM_PATH' ] ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--disable-dev-shm-usage',
			],
		},
	},
} );
