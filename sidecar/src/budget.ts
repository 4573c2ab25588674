/**
 * Back-pressure for the daemon: a bound on emails in flight across all connections, counted in
 * messages and in bytes, so many busy mailboxes can't exhaust memory or database connections.
 */

export class InFlightBudget {
	private messages = 0;
	private bytes = 0;
	private readonly waiting: Array< () => void > = [];
	private readonly maxMessages: number;
	private readonly maxBytes: number;

	/**
	 * @param maxMessages Most emails processed at once.
	 * @param maxBytes    Most announced bytes processed at once; one bigger email may still run alone.
	 */
	constructor( maxMessages: number, maxBytes: number ) {
		this.maxMessages = maxMessages;
		this.maxBytes = maxBytes;
	}

	/**
	 * Waits for room for one email of `size` bytes; returns the function that gives it back.
	 *
	 * @param size Announced size.
	 */
	async acquire( size: number ): Promise< () => void > {
		while ( ! this.fits( size ) ) {
			await new Promise< void >( ( resolve ) =>
				this.waiting.push( resolve )
			);
		}
		this.messages++;
		this.bytes += size;
		let released = false;
		return () => {
			if ( released ) {
				return;
			}
			released = true;
			this.messages--;
			this.bytes -= size;
			this.waiting.splice( 0 ).forEach( ( wake ) => wake() );
		};
	}

	private fits( size: number ): boolean {
		if ( this.messages === 0 ) {
			return true;
		}
		return (
			this.messages < this.maxMessages &&
			this.bytes + size <= this.maxBytes
		);
	}
}
