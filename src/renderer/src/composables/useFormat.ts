import { useI18n } from 'vue-i18n';
import { cachedFormat } from '../format';

/** Numbers, percentages, shapes and durations written the way the UI's language writes them. */
export function useFormat() {
  const { t, locale } = useI18n();
  const numberFormat = (options: Intl.NumberFormatOptions) => cachedFormat(locale.value, options);

  return {
    /** 109,386 */
    integer: (value: number) => numberFormat({ maximumFractionDigits: 0 }).format(value),
    /** A loss: four decimals, as the seed prints it. */
    loss: (value: number) => numberFormat({ minimumFractionDigits: 4, maximumFractionDigits: 4, useGrouping: false }).format(value),
    /** 0.9534 → 95.3 % (in the language's own way of writing it). */
    percent: (value: number, digits = 1) => numberFormat({ style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value),
    /** A signed change: +2.1, −0.4, 0.0 (the sign always written). */
    signed: (value: number, digits = 1) => numberFormat({ minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: 'exceptZero' }).format(value),
    /** A tensor shape without the batch dimension: 28×28×1. */
    shape: (shape: readonly number[]) => shape.join('×'),
    /** 75 s → "1 min 15 s"; under a second in milliseconds ("850 ms"), never "0 s". */
    duration: (ms: number) => {
      if (ms < 999.5) return t('format.milliseconds', { ms: Math.max(0, Math.round(ms)) });
      const total = Math.max(0, Math.round(ms / 1000));
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = total % 60;
      if (h > 0) return t('format.hours', { h, m });
      if (m > 0) return t('format.minutes', { m, s });
      return t('format.seconds', { s });
    },
  };
}
