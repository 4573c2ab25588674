/**
 * WordPress dependencies
 */
import { Notice, Spinner } from '@wordpress/components';

/**
 * Internal dependencies
 */
import { useSettings } from '../../hooks/use-settings';
import SettingsForm from './settings-form';
import TemplatesPanel from './templates-panel';
import './style.scss';

/**
 * Settings: SupportCandy's general settings with help text, and the notification templates.
 */
export default function SettingsScreen() {
	const { settings, isLoading, error, save } = useSettings();
	return (
		<>
			{ isLoading && <Spinner /> }
			{ error !== null && (
				<Notice status="error" isDismissible={ false }>
					{ error }
				</Notice>
			) }
			{ settings !== null && (
				<SettingsForm settings={ settings } save={ save } />
			) }
			<TemplatesPanel />
		</>
	);
}
