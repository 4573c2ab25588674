import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	replyCapReached,
	SenderFlood,
	senderTicketHold,
} from '../../sidecar/src/pipeline/loop-guard.ts';

describe( 'loop guard', () => {
	it( 'holds a reply at the first window whose cap is reached', () => {
		assert.equal( replyCapReached( [ 9, 14, 24, 49, 99 ] ), null );
		assert.deepEqual( replyCapReached( [ 3, 15, 20, 20, 20 ] ), {
			limit: 'ticket_replies',
			minutes: 30,
			count: 15,
		} );
		assert.deepEqual( replyCapReached( [ 0, 0, 0, 0, 100 ] ), {
			limit: 'ticket_replies',
			minutes: 600,
			count: 100,
		} );
	} );

	it( 'quiets a sender at 20 tickets an hour and refuses at 100', () => {
		assert.equal( senderTicketHold( 19 ), null );
		assert.deepEqual( senderTicketHold( 20 ), {
			limit: 'sender_tickets',
			minutes: 60,
			count: 20,
		} );
		assert.throws( () => senderTicketHold( 100 ), SenderFlood );
	} );
} );
