/**
 * WordPress dependencies
 */
import { useCallback, useEffect, useRef, useState } from '@wordpress/element';

/**
 * Internal dependencies
 */
import { checkBlocked } from '../api/block-patterns';
import type { BlockCheck } from '../api/types';

export interface BlockCheckState {
	/** The last answer, with the values it was asked for. */
	answer: ( BlockCheck & { asked: Asked } ) | null;
	isChecking: boolean;
	/** Runs the check; rejects with the REST error (field errors in data.params). */
	check: ( sender: string, subject: string ) => Promise< void >;
	/** Forgets the answer (the lists or the values changed). */
	clear: () => void;
}

export interface Asked {
	sender: string;
	subject: string;
}

/**
 * The "would this be blocked?" check, answered by the server with the sidecar's matching.
 */
export function useBlockCheck(): BlockCheckState {
	const [ answer, setAnswer ] =
		useState< BlockCheckState[ 'answer' ] >( null );
	const [ isChecking, setIsChecking ] = useState( false );
	const mounted = useRef( true );
	useEffect( () => {
		mounted.current = true;
		return () => {
			mounted.current = false;
		};
	}, [] );

	const check = useCallback( async ( sender: string, subject: string ) => {
		setIsChecking( true );
		try {
			const result = await checkBlocked( sender, subject );
			if ( mounted.current ) {
				setAnswer( { ...result, asked: { sender, subject } } );
			}
		} finally {
			if ( mounted.current ) {
				setIsChecking( false );
			}
		}
	}, [] );

	const clear = useCallback( () => setAnswer( null ), [] );

	return { answer, isChecking, check, clear };
}
