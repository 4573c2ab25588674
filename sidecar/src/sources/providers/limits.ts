/**
 * Bounds on requests in flight: providers throttle clients that send too many at once
 * (Microsoft Graph: four concurrent requests per mailbox).
 */

/**
 * Runs `work` on every item, at most `limit` at a time.
 *
 * @param items Items.
 * @param limit Concurrency.
 * @param work  Work per item.
 */
export async function eachLimited< T >(
	items: readonly T[],
	limit: number,
	work: ( item: T ) => Promise< unknown >
): Promise< void > {
	let next = 0;
	const lane = async (): Promise< void > => {
		while ( next < items.length ) {
			const item = items[ next++ ] as T;
			await work( item );
		}
	};
	await Promise.all(
		Array.from( { length: Math.min( limit, items.length ) }, lane )
	);
}

/**
 * At most `limit` holders at a time; the rest wait in order.
 */
export class Semaphore {
	private readonly limit: number;
	private held = 0;
	private readonly waiting: Array< () => void > = [];

	/**
	 * @param limit Holders at once.
	 */
	constructor( limit: number ) {
		this.limit = limit;
	}

	/**
	 * Runs `work` once a place is free.
	 *
	 * @param work Work.
	 */
	async run< T >( work: () => Promise< T > ): Promise< T > {
		if ( this.held >= this.limit ) {
			await new Promise< void >( ( resolve ) =>
				this.waiting.push( resolve )
			);
		} else {
			this.held++;
		}
		try {
			return await work();
		} finally {
			const next = this.waiting.shift();
			if ( next ) {
				next(); // The place passes straight to the next in line.
			} else {
				this.held--;
			}
		}
	}
}
